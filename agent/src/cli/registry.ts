import type { Command } from 'commander';
import type { CliIo } from './io';

/**
 * One top-level command (or command group) of `lanyard-agent`. A module adds itself to `commands.ts`; its
 * `register` attaches its commander subcommands to the program and reports the exit code through
 * {@link CommandContext.exit}.
 */
export interface CliCommand {
  /** Top-level name: `api`, `run`, `healthcheck`, … */
  readonly name: string;
  register(program: Command, ctx: CommandContext): void;
}

/** What every command action gets. */
export interface CommandContext {
  readonly io: CliIo;
  /** Records the exit code of the action that ran (0 success, 1 failure). */
  exit(code: number): void;
}
