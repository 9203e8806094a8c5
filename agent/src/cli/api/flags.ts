import { Option, type Command } from 'commander';
import { parseDuration } from '@lanyard/base';
import { formatRpcError } from '@lanyard/base/grpc';
import { outputOption, type OutputFormat } from '@lanyard/common';
import { DEFAULT_SOCKET_PATH } from '../../workload';
import type { CommandContext } from '../registry';
import { ApiClient, resolvePublicSocket } from './client';

/** Flags every `api` command shares. */
export interface ApiFlags {
  socketPath?: string;
  instance?: string;
  timeout: string;
  output: OutputFormat;
}

/** Adds `-socketPath`, `-instance`, `-timeout` (default 5s) and optionally `-output` to an `api` command. */
export function addApiFlags(
  command: Command,
  options: { output?: boolean; timeout?: boolean } = {},
): Command {
  command
    .addOption(
      new Option(
        '--socketPath <path>',
        `path to the SPIRE Agent API socket (default "${DEFAULT_SOCKET_PATH}")`,
      ),
    )
    .addOption(
      new Option('--instance <name>', 'agent instance name, used with SPIRE_AGENT_PUBLIC_SOCKET_TEMPLATE'),
    );
  if (options.timeout !== false) {
    command.addOption(new Option('--timeout <duration>', 'time to wait for a response').default('5s'));
  }
  if (options.output !== false) command.addOption(outputOption());
  return command;
}

/**
 * Runs an `api` action with a connected client: prints errors raw to stderr (SPIRE style) and records the exit
 * code (0 on success, 1 on any error).
 */
export async function withApiClient(
  flags: ApiFlags,
  ctx: CommandContext,
  action: (client: ApiClient) => Promise<void>,
): Promise<void> {
  let client: ApiClient | undefined;
  try {
    const timeoutMs = parseDuration(flags.timeout ?? '0s', { field: 'timeout' });
    client = new ApiClient(resolvePublicSocket(flags.socketPath, flags.instance, ctx.io.env), timeoutMs);
    await action(client);
    ctx.exit(0);
  } catch (err) {
    ctx.io.stderr.write(`${formatRpcError(err)}\n`);
    ctx.exit(1);
  } finally {
    client?.close();
  }
}
