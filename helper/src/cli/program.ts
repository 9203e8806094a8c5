/**
 * The `lanyard-helper` command line: `-config FILE` runs the file-keeping daemon; `aws`, `gcp` and `azure`
 * subcommands print or write cloud credentials; `managed` does the same on agentless managed runtimes. Each command module registers itself here.
 */
import { Command } from 'commander';
import { runCommander, type CliCommand, type CliIo, type CommandContext } from '@lanyard/common';
import type { HelperConfig } from '../daemon/config';
import { awsCommand } from './aws-command';
import { azureCommand } from './azure-command';
import { gcpCommand } from './gcp-command';
import { managedCommand } from './managed-command';
import { reportFailure } from './report';

/** spiffe-helper's default config path. */
const DEFAULT_CONFIG = 'helper.conf';

interface DaemonFlags {
  config: string;
  exitWhenReady: boolean;
  expandEnv: boolean;
}

async function runFromConfig(flags: DaemonFlags, ctx: CommandContext): Promise<void> {
  // Loaded here so that the cloud commands do not load the daemon (and its gRPC watches).
  const { loadHelperConfig } = await import('../daemon/config');
  const { runDaemon } = await import('../daemon/run');
  let config: HelperConfig;
  try {
    config = loadHelperConfig(flags.config, { expandEnv: flags.expandEnv });
  } catch (err) {
    reportFailure(ctx, err);
    return;
  }
  ctx.exit(await runDaemon(config, ctx.io, { exitWhenReady: flags.exitWhenReady }));
}

/** Every command group of the binary. */
const COMMANDS: readonly CliCommand[] = [awsCommand, gcpCommand, azureCommand, managedCommand];

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
    .option('--config <path>', 'spiffe-helper configuration file (HCL or JSON)', DEFAULT_CONFIG)
    .option('--exitWhenReady', 'Write the files once and exit', false)
    .option('--expandEnv', 'Expand environment variables in the config file', false)
    .exitOverride()
    .action((flags: DaemonFlags) => runFromConfig(flags, ctx))
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) });
  for (const command of COMMANDS) command.register(program, ctx);
  for (const sub of program.commands) sub.exitOverride();
  const args = argv.length > 0 ? argv : ['-config', DEFAULT_CONFIG];
  return runCommander(program, args, io.stderr, () => code, 'lanyard-helper: ');
}
