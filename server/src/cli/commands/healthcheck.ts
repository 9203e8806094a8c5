import { Option, type Command } from 'commander';
import { formatRpcError, unary } from '@lanyard/base/grpc';
import { connectAdmin, resolveSocketPath } from '../admin-client';
import { instanceOption, socketPathOption } from '../flags';
import type { CliCommand, CommandContext } from '../registry';

interface HealthFlags {
  socketPath?: string;
  instance?: string;
  shallow?: boolean;
  verbose?: boolean;
}

/** Deadline of the health RPC. */
const HEALTH_TIMEOUT_MS = 5000;

/**
 * `healthcheck`: calls `grpc.health.v1.Health/Check` on the admin socket. Prints `Server is healthy.` or
 * `Error: server is unhealthy: …` (exit 1), like SPIRE.
 */
async function healthcheck(flags: HealthFlags, ctx: CommandContext): Promise<number> {
  const { stdout, stderr } = ctx.io;
  if (flags.verbose) stdout.write('Checking server health...\n');
  const clients = connectAdmin(resolveSocketPath(flags.socketPath, flags.instance, ctx.io.env));
  try {
    const res = await unary<{ status: string }>(
      (options, cb) => clients.health.Check({ service: '' }, options, cb),
      HEALTH_TIMEOUT_MS,
    );
    if (res.status !== 'SERVING') {
      stderr.write(`Error: server is unhealthy: server returned status "${res.status}"\n`);
      return 1;
    }
    stdout.write('Server is healthy.\n');
    return 0;
  } catch (err) {
    if (flags.verbose) stderr.write(`Failed to check health: ${formatRpcError(err)}\n`);
    stderr.write('Error: server is unhealthy: unable to determine health\n');
    return 1;
  } finally {
    clients.close();
  }
}

/** Registration of `healthcheck`. */
export const healthcheckCommand: CliCommand = {
  name: 'healthcheck',
  register(program: Command, ctx: CommandContext): void {
    program
      .command('healthcheck')
      .description('Determines server health status')
      .addOption(socketPathOption())
      .addOption(instanceOption())
      .addOption(new Option('--shallow', 'perform a less stringent health check').default(false))
      .addOption(new Option('--verbose', 'print verbose information').default(false))
      .action(async (flags: HealthFlags) => ctx.exit(await healthcheck(flags, ctx)));
  },
};
