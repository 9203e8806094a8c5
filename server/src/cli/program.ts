import { Command } from 'commander';
import { runCommander } from '@lanyard/common';
import { COMMANDS } from './commands';
import type { CliIo } from './io';
import type { CliCommand, CommandContext } from './registry';

/** Builds the `lanyard-server` program with every registered command. */
export function buildProgram(ctx: CommandContext, commands: readonly CliCommand[] = COMMANDS): Command {
  const program = new Command('lanyard-server')
    .description('Lanyard server: a SPIRE-compatible SPIFFE server')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => ctx.io.stdout.write(s),
      writeErr: (s) => ctx.io.stderr.write(s),
    });
  for (const command of commands) command.register(program, ctx);
  for (const sub of program.commands) sub.exitOverride();
  return program;
}

/**
 * Runs the CLI on `argv` (without `node` and the script): Go-style flags (`-socketPath x`) are accepted.
 * Resolves with the exit code: 0 success, 1 failure or bad flags (usage printed), 127 unknown command.
 */
export async function runCli(
  argv: readonly string[],
  io: CliIo,
  commands: readonly CliCommand[] = COMMANDS,
): Promise<number> {
  let code = 0;
  const ctx: CommandContext = { io, exit: (c) => (code = c) };
  const program = buildProgram(ctx, commands);
  return runCommander(program, argv, io.stderr, () => code, 'Error: ');
}
