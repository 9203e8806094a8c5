/**
 * Per-run log directory of the processes the e2e and reliability suites start: every long-running child's
 * output is teed to `<dir>/<name>-<pid>.log`, and secrets the harness hands out (join tokens) are listed in
 * `<dir>/secrets.txt`, so the secret-in-logs scan can check every log of the run against them.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** Overrides the per-run log directory (otherwise one per Jest run under the temp dir). */
export const PROCESS_LOG_DIR_ENV = 'LANYARD_PROCESS_LOG_DIR';

const SECRETS_FILE = 'secrets.txt';

/**
 * The directory of this run: `LANYARD_PROCESS_LOG_DIR`, or `<tmp>/lanyard-process-logs/run-<pid>` keyed by the
 * Jest main process (a worker's parent), so all test files of one `jest` invocation share it. Created 0700.
 */
export function processLogDir(): string {
  const fixed = process.env[PROCESS_LOG_DIR_ENV];
  const runPid = process.env.JEST_WORKER_ID ? process.ppid : process.pid;
  const dir = fixed || path.join(os.tmpdir(), 'lanyard-process-logs', `run-${runPid}`);
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  return dir;
}

/** Opens the append-only log file of one child process. */
export function openProcessLog(name: string, pid: number | undefined): fs.WriteStream {
  const safe = name.replace(/[^a-zA-Z0-9_.-]+/g, '_');
  const file = path.join(processLogDir(), `${safe}-${pid ?? 'nopid'}.log`);
  return fs.createWriteStream(file, { flags: 'a', mode: 0o600 });
}

/** Records a secret the harness handed out (one per line), for the scan. */
export function recordSecret(value: string): void {
  fs.appendFileSync(path.join(processLogDir(), SECRETS_FILE), `${value}\n`, { mode: 0o600 });
}

/** Secrets recorded so far in this run. */
export function recordedSecrets(): string[] {
  const file = path.join(processLogDir(), SECRETS_FILE);
  if (!fs.existsSync(file)) return [];
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line !== '');
}

/** Every process log file of this run. */
export function processLogFiles(): string[] {
  const dir = processLogDir();
  return fs
    .readdirSync(dir)
    .filter((name) => name.endsWith('.log'))
    .map((name) => path.join(dir, name));
}
