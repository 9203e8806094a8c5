/**
 * Scans process logs for secrets: private key PEM blocks, anything `-----BEGIN …PRIVATE…`, compact JWTs
 * (JWT-SVIDs) and the exact join token values the harness handed out. A finding names the file and line.
 */
import * as fs from 'node:fs';

/** One secret found in a log. */
export interface SecretFinding {
  readonly file: string;
  readonly line: number;
  readonly what: string;
}

const PATTERNS: Array<[string, RegExp]> = [
  ['private key PEM block', /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/],
  ['-----BEGIN private material', /-----BEGIN [A-Z0-9 ]*(PRIVATE|SECRET)[A-Z0-9 ]*-----/],
  ['compact JWT (JWT-SVID)', /eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{16,}/],
];

/** Every finding in `files` for the fixed patterns and the literal `secrets` (e.g. join tokens). */
export function scanLogsForSecrets(files: readonly string[], secrets: readonly string[]): SecretFinding[] {
  const findings: SecretFinding[] = [];
  for (const file of files) {
    const lines = fs.readFileSync(file, 'utf8').split('\n');
    lines.forEach((text, index) => {
      for (const [what, pattern] of PATTERNS) {
        if (pattern.test(text)) findings.push({ file, line: index + 1, what });
      }
      for (const secret of secrets) {
        if (secret.length >= 8 && text.includes(secret)) {
          findings.push({ file, line: index + 1, what: `secret value ${secret.slice(0, 4)}…` });
        }
      }
    });
  }
  return findings;
}
