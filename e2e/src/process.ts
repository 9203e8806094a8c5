import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { openProcessLog } from './run-logs';

/** Result of a finished command. */
export interface CommandResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a command to completion (bounded by `timeoutMs`) and collects its output. */
export function runCommand(
  command: string,
  args: string[],
  options: SpawnOptions & { timeoutMs?: number; input?: string } = {},
): Promise<CommandResult> {
  const { timeoutMs = 30_000, input, ...spawnOptions } = options;
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { ...spawnOptions, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${command} ${args.join(' ')} timed out after ${timeoutMs} ms\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    // A command that never reads stdin may exit first: EPIPE on its stdin is not a failure of the command.
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(input ?? '');
  });
}

/** A long-running child process whose output is kept for diagnostics. */
export class ManagedProcess {
  private output = '';
  private exited: Promise<number | null>;

  constructor(
    readonly name: string,
    readonly child: ChildProcess,
  ) {
    const tee = openProcessLog(name, child.pid);
    const keep = (chunk: Buffer): void => {
      this.output += chunk.toString();
      tee.write(chunk);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    child.on('close', () => tee.end());
    this.exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
  }

  /** Process ID of the child (undefined if it failed to spawn). */
  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Everything the process printed so far (stdout and stderr interleaved). */
  get log(): string {
    return this.output;
  }

  /** True while the process has not exited. */
  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Waits until the output contains `text`, or fails after `timeoutMs` with the log attached. */
  async waitForLog(text: string | RegExp, timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const matches = (): boolean =>
      typeof text === 'string' ? this.output.includes(text) : text.test(this.output);
    while (!matches()) {
      if (!this.running)
        throw new Error(`${this.name} exited while waiting for ${String(text)}:\n${this.output}`);
      if (Date.now() > deadline)
        throw new Error(`${this.name}: timed out waiting for ${String(text)}:\n${this.output}`);
      await delay(50);
    }
  }

  /** Sends SIGKILL (no chance to clean up, like a power cut) and waits until the process is gone. */
  async kill(): Promise<void> {
    if (!this.running) return;
    this.child.kill('SIGKILL');
    await this.exited;
  }

  /** Sends SIGTERM and waits for exit (SIGKILL after `graceMs`). Resolves with the exit code. */
  async stop(graceMs = 10_000): Promise<number | null> {
    if (!this.running) return this.child.exitCode;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    const code = await this.exited;
    clearTimeout(timer);
    return code;
  }
}

/** Starts a long-running process. */
export function startProcess(
  name: string,
  command: string,
  args: string[],
  options: SpawnOptions = {},
): ManagedProcess {
  const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
  return new ManagedProcess(name, child);
}

/** Bound of one CLI command run by the harness (generous: the machines running the suites are shared). */
export const CLI_TIMEOUT_MS = 90_000;

/** How long the harness waits for a started server or agent to become healthy (machines here are busy). */
export const STARTUP_TIMEOUT_MS = 60_000;

/** Resolves after `ms` milliseconds. */
export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `check` until it returns a value other than undefined, or throws after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined>,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}${lastError ? `: ${String(lastError)}` : ''}`);
    }
    await delay(100);
  }
}

/**
 * Waits until `healthcheck` exits 0, polling while `child` runs, for at most {@link STARTUP_TIMEOUT_MS}.
 * @param what - `agent` or `server`, in error messages.
 * @throws with the child's log when it exits first; on timeout.
 */
export async function waitForHealthy(
  what: string,
  child: ManagedProcess,
  healthcheck: () => Promise<CommandResult>,
): Promise<void> {
  const outcome = await waitFor(
    `${what} healthcheck`,
    async () => {
      if (!child.running) return 'exited';
      const result = await healthcheck();
      return result.code === 0 ? 'healthy' : undefined;
    },
    STARTUP_TIMEOUT_MS,
  );
  if (outcome === 'exited') throw new Error(`${what} exited:\n${child.log}`);
}
