/**
 * The `lanyard-helper` command line: `-config FILE` runs the file-keeping daemon; `aws`, `gcp` and `azure`
 * subcommands print or write cloud credentials. Each command module registers itself here.
 */
import { Command } from 'commander';
import { runCommander, type CliCommand, type CliIo, type CommandContext } from '@lanyard/common';
import { awsCommand } from './aws-command';
import { azureCommand } from './azure-command';
import { gcpCommand } from './gcp-command';

/** Every command group of the binary. */
const COMMANDS: readonly CliCommand[] = [awsCommand, gcpCommand, azureCommand];

/** Runs the helper with `argv` (without node and the script) and resolves to the exit code. */
export async function runHelper(argv: readonly string[], io: CliIo): Promise<number> {
  let code = 0;
  const ctx: CommandContext = {
    io,
    exit: (c) => {
      code = c;
    },
  };
  const program = new Command('lanyard-helper')
    .description('SVID files for unmodified programs, and cloud credentials from a SPIFFE ID')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) });
  for (const command of COMMANDS) command.register(program, ctx);
  for (const sub of program.commands) sub.exitOverride();
  return runCommander(program, argv, io.stderr, () => code, 'lanyard-helper: ');
}
