/** `debug getinfo`: the agent's debug information from its admin socket (agent `Debug.GetInfo`). */
import type { Command } from 'commander';
import { unary } from '@lanyard/base/grpc';
import { outputOption, type OutputFormat } from '@lanyard/common';
import { loadSpireAgentApis, type AgentGetInfoResponse__Output } from '@lanyard/proto';
import { addAdminSocketOption, runAdminCommand, type AdminSocketFlags } from '../admin-client';
import type { CliCommand, CommandContext } from '../registry';
import { renderGetInfoJson, renderGetInfoPretty } from './output';

interface GetInfoFlags extends AdminSocketFlags {
  output: OutputFormat;
}

function register(program: Command, ctx: CommandContext): void {
  const debug = program.command('debug').description('Debug information about the agent');
  addAdminSocketOption(
    debug
      .command('getinfo')
      .description('Prints debug information about the agent')
      .addOption(outputOption()),
  ).action((flags: GetInfoFlags) =>
    runAdminCommand(
      flags,
      ctx,
      (target, creds) => new (loadSpireAgentApis().spire.agent.debug.v1.Debug)(target, creds),
      async (client) => {
        const res = await unary<AgentGetInfoResponse__Output>((options, cb) =>
          client.GetInfo({}, options, cb),
        );
        ctx.io.stdout.write(flags.output === 'json' ? renderGetInfoJson(res) : renderGetInfoPretty(res));
      },
    ),
  );
}

/** Registration of `debug`. */
export const debugCommand: CliCommand = { name: 'debug', register };
