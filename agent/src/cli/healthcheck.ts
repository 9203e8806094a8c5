import * as grpc from '@grpc/grpc-js';
import { Option, type Command } from 'commander';
import { formatRpcError, unary } from '@lanyard/base/grpc';
import { loadHealthApi, type HealthCheckResponse__Output } from '@lanyard/proto';
import { DEFAULT_SOCKET_PATH } from '../workload';
import { resolvePublicSocket } from './api';
import type { CliCommand, CommandContext } from './registry';

interface HealthFlags {
  socketPath?: string;
  instance?: string;
  shallow?: boolean;
  verbose?: boolean;
}

/** Deadline of the health RPC. */
const HEALTH_TIMEOUT_MS = 5000;

function check(socketPath: string): Promise<string> {
  const Health = loadHealthApi().grpc.health.v1.Health;
  const client = new Health(`unix:${socketPath}`, grpc.credentials.createInsecure());
  return unary<HealthCheckResponse__Output>(
    (options, callback) => client.Check({ service: '' }, options, callback),
    HEALTH_TIMEOUT_MS,
  )
    .then((res) => String(res.status))
    .finally(() => client.close());
}

/**
 * `healthcheck`: calls `grpc.health.v1.Health/Check` on the public (Workload API) socket. Prints
 * `Agent is healthy.` or `Agent is unhealthy: …` on stderr with exit 1, like SPIRE.
 */
async function healthcheck(flags: HealthFlags, ctx: CommandContext): Promise<number> {
  const { stdout, stderr } = ctx.io;
  if (flags.verbose) stdout.write('Checking agent health...\n');
  try {
    const socketPath = resolvePublicSocket(flags.socketPath, flags.instance, ctx.io.env);
    const status = await check(socketPath);
    if (status !== 'SERVING') {
      stderr.write(`Agent is unhealthy: agent returned status "${status}"\n`);
      return 1;
    }
    stdout.write('Agent is healthy.\n');
    return 0;
  } catch (err) {
    if (flags.verbose) stderr.write(`Failed to check health: ${formatRpcError(err)}\n`);
    stderr.write('Agent is unhealthy: unable to determine health\n');
    return 1;
  }
}

/** Registration of `healthcheck`. */
export const healthcheckCommand: CliCommand = {
  name: 'healthcheck',
  register(program: Command, ctx: CommandContext): void {
    program
      .command('healthcheck')
      .description('Determines agent health status')
      .addOption(
        new Option(
          '--socketPath <path>',
          `path to the SPIRE Agent API socket (default "${DEFAULT_SOCKET_PATH}")`,
        ),
      )
      .addOption(
        new Option('--instance <name>', 'agent instance name, used with SPIRE_AGENT_PUBLIC_SOCKET_TEMPLATE'),
      )
      .addOption(new Option('--shallow', 'perform a less stringent health check').default(false))
      .addOption(new Option('--verbose', 'print verbose information').default(false))
      .action(async (flags: HealthFlags) => ctx.exit(await healthcheck(flags, ctx)));
  },
};
