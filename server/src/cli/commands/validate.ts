import type { Command } from 'commander';
import { silentLogger } from '@lanyard/attestor-core';
import { FailedPreconditionError } from '@lanyard/base';
import { NodeAttestorCatalog } from '../../catalog/node-attestors';
import { configOption, expandEnvOption, serverOverrideOptions } from '../flags';
import type { CliCommand, CommandContext } from '../registry';
import { loadConfigWithFlags, type ConfigFlags } from '../server-config';

const unavailable = async (): Promise<never> => {
  throw new FailedPreconditionError('the datastore is not opened by validate', 'ERR_VALIDATE_ONLY');
};

/**
 * `validate`: loads the config and builds every node attestor from its `plugin_data`, without starting. The
 * start-up warnings `run` would log (keys without effect, TTL sanity, ...) go to stderr as `warning: ...` lines.
 */
async function validate(flags: ConfigFlags, ctx: CommandContext): Promise<number> {
  try {
    const { config, warnings } = loadConfigWithFlags(flags, ctx.io.env);
    for (const warning of warnings) ctx.io.stderr.write(`warning: ${warning}\n`);
    await NodeAttestorCatalog.create(config.plugins.nodeAttestors, {
      trustDomain: config.server.trustDomain,
      logger: silentLogger,
      joinTokens: { consumeJoinToken: unavailable },
      attestedNodes: { isAttested: unavailable },
      now: Date.now,
    });
  } catch (err) {
    ctx.io.stderr.write(
      `SPIRE server configuration file is invalid: ${err instanceof Error ? err.message : String(err)}\n`,
    );
    return 1;
  }
  ctx.io.stdout.write('SPIRE server configuration file is valid.\n');
  return 0;
}

/** Registration of `validate`. */
export const validateCommand: CliCommand = {
  name: 'validate',
  register(program: Command, ctx: CommandContext): void {
    const cmd = program.command('validate').description('Validates a SPIRE server configuration file');
    cmd.addOption(configOption()).addOption(expandEnvOption());
    for (const option of serverOverrideOptions()) cmd.addOption(option);
    cmd.action(async (flags: ConfigFlags) => ctx.exit(await validate(flags, ctx)));
  },
};
