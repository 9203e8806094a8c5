import type { Command } from 'commander';
import type { CliIo } from './io';

/**
 * One CLI command (or command group) of `lanyard-server`. A module adds itself to `commands/index.ts`; its
 * `register` attaches subcommands to the program with the shared flags from `flags.ts` and sets
 * `process.exitCode`-free actions that resolve with an exit code through {@link CommandContext.exit}.
 */
export interface CliCommand {
  /** Top-level name, e.g. `run`, `entry`, `token`. */
  readonly name: string;
  register(program: Command, ctx: CommandContext): void;
}

/** What every command action gets. */
export interface CommandContext {
  readonly io: CliIo;
  /** Records the exit code of the action that ran (0 success, 1 failure). */
  exit(code: number): void;
}
