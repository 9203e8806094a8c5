/** `logger get|set|reset`: the live log level of the agent, through the Logger API on its admin socket. */
import { Option, type Command } from 'commander';
import { formatRpcError, isServiceError, unary } from '@lanyard/base/grpc';
import { formatLoggerPretty, outputOption, parseCliLogLevel, type OutputFormat } from '@lanyard/common';
import {
  loadSpireAgentApis,
  type AgentLoggerClient,
  type SpireLogger__Output as SpireLoggerMessage,
} from '@lanyard/proto';
import { addAdminSocketOption, runAdminCommand, type AdminSocketFlags } from '../admin-client';
import type { CliCommand, CommandContext } from '../registry';

interface LoggerFlags extends AdminSocketFlags {
  output: OutputFormat;
  level?: string;
}

/** SPIRE's output: pretty lines, or protojson (`{"current_level":"INFO","launch_level":"INFO"}`). */
function render(logger: SpireLoggerMessage, format: OutputFormat): string {
  if (format === 'json') {
    return `${JSON.stringify({ current_level: logger.current_level, launch_level: logger.launch_level })}\n`;
  }
  return formatLoggerPretty(logger);
}

/** Adds one subcommand calling `call` on the Logger client; `prefix` wraps RPC failures as SPIRE does. */
function addSubcommand(
  group: Command,
  ctx: CommandContext,
  spec: {
    name: string;
    description: string;
    prefix: string;
    options?: Option[];
    call: (client: AgentLoggerClient, flags: LoggerFlags) => Promise<SpireLoggerMessage>;
  },
): void {
  const command = group.command(spec.name).description(spec.description).addOption(outputOption());
  for (const option of spec.options ?? []) command.addOption(option);
  addAdminSocketOption(command).action((flags: LoggerFlags) =>
    runAdminCommand(
      flags,
      ctx,
      (target, creds) => new (loadSpireAgentApis().spire.api.agent.logger.v1.Logger)(target, creds),
      async (client) => {
        // RPC failures are wrapped as SPIRE's `<prefix>: rpc error: …`; flag errors print as they are.
        const logger = await spec.call(client, flags).catch((err: unknown) => {
          throw isServiceError(err) ? new Error(`${spec.prefix}: ${formatRpcError(err)}`) : err;
        });
        ctx.io.stdout.write(render(logger, flags.output));
      },
    ),
  );
}

function register(program: Command, ctx: CommandContext): void {
  const group = program.command('logger').description('Gets or changes the agent log level');
  addSubcommand(group, ctx, {
    name: 'get',
    description: 'Gets the logger details',
    prefix: 'error fetching logger',
    call: (client) => unary((options, cb) => client.GetLogger({}, options, cb)),
  });
  addSubcommand(group, ctx, {
    name: 'set',
    description: 'Sets the logger details',
    prefix: 'failed to set log level',
    options: [
      new Option(
        '--level <level>',
        'The new log level, one of (panic, fatal, error, warn, info, debug, trace)',
      ),
    ],
    call: (client, flags) => {
      const level = parseCliLogLevel(flags.level);
      return unary((options, cb) => client.SetLogLevel({ new_level: level }, options, cb));
    },
  });
  addSubcommand(group, ctx, {
    name: 'reset',
    description: 'Reset the logger details to launch level',
    prefix: 'failed to reset logger',
    call: (client) => unary((options, cb) => client.ResetLogLevel({}, options, cb)),
  });
}

/** Registration of `logger`. */
export const loggerCommand: CliCommand = { name: 'logger', register };
