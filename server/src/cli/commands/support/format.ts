/** Small formatting helpers matching Go's output in SPIRE's CLI. */
import * as fs from 'node:fs';

/** Go's `time.Unix(s, 0).UTC().String()`: `2026-01-02 03:04:05 +0000 UTC`. */
export { formatGoTime as goUtcTime } from '../../output';

/** Go's `time.RFC3339` in UTC: `2026-01-02T03:04:05Z`. */
export function rfc3339(unixSeconds: number): string {
  return new Date(unixSeconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** SPIRE's `util.Pluralizer`: `msg + singular` when `n == 1`, else `msg + plural`. */
export function plural(msg: string, singular: string, pluralWord: string, n: number): string {
  return msg + (n === 1 ? singular : pluralWord);
}

/** Reads a whole file, or standard input for `-`. */
export async function readFileOrStdin(path: string): Promise<Buffer> {
  if (path !== '-') return fs.promises.readFile(path);
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks);
}

/** Go `os.Open` error text for a missing file: `open <path>: no such file or directory`. */
export function fileErrorText(path: string, err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return `open ${path}: no such file or directory`;
  if (code === 'EACCES') return `open ${path}: permission denied`;
  return err instanceof Error ? err.message : String(err);
}
