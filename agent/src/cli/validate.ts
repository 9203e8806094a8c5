import type { Command } from 'commander';
import { silentLogger } from '@lanyard/attestor-core';
import { createWorkloadAttestors, NODE_ATTESTOR_PLUGINS } from '../catalog/catalog';
import { agentConfigOptions, loadConfigWithFlags, type AgentConfigFlags } from './run';
import type { CliCommand, CommandContext } from './registry';

/**
 * `validate`: loads the config and builds the workload attestors from their `plugin_data`, without starting.
 * The node attestor is only checked to exist (building it may need the join token or cloud metadata). The
 * start-up warnings `run` would log go to stderr as `warning: ...` lines.
 */
async function validate(flags: AgentConfigFlags, ctx: CommandContext): Promise<number> {
  try {
    const { config, warnings } = loadConfigWithFlags(flags, ctx.io.env);
    for (const warning of warnings) ctx.io.stderr.write(`warning: ${warning}\n`);
    NODE_ATTESTOR_PLUGINS.get(config.plugins.nodeAttestor.name);
    await createWorkloadAttestors(config.plugins.workloadAttestors, silentLogger);
  } catch (err) {
    ctx.io.stderr.write(
      `SPIRE agent configuration file is invalid: ${err instanceof Error ? err.message : String(err)}\n`,
    );
    return 1;
  }
  ctx.io.stdout.write('SPIRE agent configuration file is valid.\n');
  return 0;
}

/** Registration of `validate`. */
export const validateCommand: CliCommand = {
  name: 'validate',
  register(program: Command, ctx: CommandContext): void {
    const cmd = program.command('validate').description('Validates a SPIRE agent configuration file');
    for (const option of agentConfigOptions()) cmd.addOption(option);
    cmd.action(async (flags: AgentConfigFlags) => ctx.exit(await validate(flags, ctx)));
  },
};
