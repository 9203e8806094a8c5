/**
 * Shared plumbing of the commands that talk to the agent's admin socket (`debug`, `logger`): the `-socketPath`
 * flag with SPIRE's default, the `unix:` target, and SPIRE's error printing (`Error: <err>` on stderr, exit 1).
 */
import * as grpc from '@grpc/grpc-js';
import { Option, type Command } from 'commander';
import { formatRpcError } from '@lanyard/base/grpc';
import { DEFAULT_ADMIN_SOCKET_PATH } from '../admin/server';
import type { CommandContext } from './registry';

/** The flag every admin command has. */
export interface AdminSocketFlags {
  socketPath?: string;
}

/** Adds `-socketPath` (default `/tmp/spire-agent/private/admin.sock`). */
export function addAdminSocketOption(command: Command): Command {
  return command.addOption(
    new Option('--socketPath <path>', 'Path to the SPIRE Agent admin API socket').default(
      DEFAULT_ADMIN_SOCKET_PATH,
    ),
  );
}

/** The gRPC target of the admin socket (`unix:<path>`; an empty flag means the default path, as SPIRE). */
export function adminTarget(flags: AdminSocketFlags): string {
  return `unix:${flags.socketPath || DEFAULT_ADMIN_SOCKET_PATH}`;
}

/**
 * Runs an admin command's action with a client built by `connect` on the admin socket: on failure prints
 * `Error: <err>` to stderr and exits 1; closes the client in every case.
 *
 * @example
 * ```ts
 * await runAdminCommand(flags, ctx, (target, creds) => new Debug(target, creds), async (client) => { ... });
 * ```
 */
export async function runAdminCommand<C extends grpc.Client>(
  flags: AdminSocketFlags,
  ctx: CommandContext,
  connect: (target: string, credentials: grpc.ChannelCredentials) => C,
  action: (client: C) => Promise<void>,
): Promise<void> {
  let client: C | undefined;
  try {
    client = connect(adminTarget(flags), grpc.credentials.createInsecure());
    await action(client);
    ctx.exit(0);
  } catch (err) {
    ctx.io.stderr.write(`Error: ${formatRpcError(err)}\n`);
    ctx.exit(1);
  } finally {
    client?.close();
  }
}
