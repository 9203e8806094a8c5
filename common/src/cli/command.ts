/**
 * What the `lanyard-server` and `lanyard-agent` command lines share: the I/O a command sees, and the shape of a
 * command module.
 */
import type { Writable } from 'node:stream';
import type { Command } from 'commander';

/** Where a command writes and what environment it sees; tests pass their own. */
export interface CliIo {
  readonly stdout: Writable;
  readonly stderr: Writable;
  readonly env: NodeJS.ProcessEnv;
  /** Resolves when the process is asked to stop (SIGINT/SIGTERM); long-running commands (`run`) wait on it. */
  stopSignal(): Promise<string>;
}

/**
 * The real process: stdout, stderr, env and SIGINT/SIGTERM. A reader that goes away (`… | head -1`) ends the
 * process quietly, as SIGPIPE ends a Go CLI, instead of an unhandled EPIPE error.
 */
export function processIo(): CliIo {
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
    process.exit(process.exitCode ?? 0);
  });
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    stopSignal: () =>
      new Promise((resolve) => {
        const onSignal = (signal: string): void => {
          process.off('SIGINT', onSignal);
          process.off('SIGTERM', onSignal);
          resolve(signal);
        };
        process.on('SIGINT', onSignal);
        process.on('SIGTERM', onSignal);
      }),
  };
}

/**
 * One top-level command (or command group) of a CLI. A module adds itself to its CLI's command list; its
 * `register` attaches its commander subcommands to the program and reports the exit code through
 * {@link CommandContext.exit}.
 */
export interface CliCommand {
  /** Top-level name, e.g. `run`, `entry`, `healthcheck`. */
  readonly name: string;
  register(program: Command, ctx: CommandContext): void;
}

/** What every command action gets. */
export interface CommandContext {
  readonly io: CliIo;
  /** Records the exit code of the action that ran (0 success, 1 failure). */
  exit(code: number): void;
}
