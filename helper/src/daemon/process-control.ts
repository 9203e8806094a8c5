/** Starts the configured program and tells it (or the process named in a PID file) about renewed files. */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { HelperConfig } from './config';

/** What the daemon reports while managing processes. */
export interface ProcessEvents {
  onExit?(code: number | null, signal: NodeJS.Signals | null): void;
  onWarning?(message: string): void;
}

/** The program of `cmd` and the process of `pid_file_name`. */
export class ProcessControl {
  private child: ChildProcess | undefined;

  constructor(
    private readonly config: HelperConfig,
    private readonly events: ProcessEvents = {},
  ) {}

  /** The started program, if any. */
  get childProcess(): ChildProcess | undefined {
    return this.child;
  }

  /** Starts `cmd` (once; its output goes to ours). */
  start(): void {
    const cmd = this.config.cmd;
    if (!cmd || this.child) return;
    const child = spawn(cmd.file, cmd.args, { stdio: 'inherit' });
    child.on('error', (err) => this.events.onWarning?.(`cmd "${cmd.file}" could not start: ${err.message}`));
    child.on('exit', (code, signal) => this.events.onExit?.(code, signal));
    this.child = child;
  }

  /** Sends `renew_signal` to the started program and to the PID in `pid_file_name`. */
  signalRenewal(): void {
    const signal = this.config.renewSignal;
    if (!signal) return;
    if (this.child && this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
    if (this.config.pidFile) {
      try {
        const pid = Number(readFileSync(this.config.pidFile, 'utf8').trim());
        if (!Number.isInteger(pid) || pid <= 0) throw new Error('it holds no process id');
        process.kill(pid, signal);
      } catch (err) {
        this.events.onWarning?.(
          `cannot signal the process of ${this.config.pidFile}: ${(err as Error).message}`,
        );
      }
    }
  }

  /** Stops the started program (SIGTERM) and waits for it. */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    await exited;
  }
}
