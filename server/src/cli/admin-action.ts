import { connectAdmin, resolveSocketPath, type ServerApiClients } from './admin-client';
import { printCommandError } from './output';
import type { CommandContext } from './registry';

/** `-socketPath` / `-instance` as every admin command receives them. */
export interface AdminFlags {
  socketPath?: string;
  instance?: string;
}

/**
 * Runs one admin command against the local API socket: connects, runs `action`, closes. A thrown error (a
 * gRPC status or a validation error) is printed SPIRE-style and yields exit code 1; otherwise the action's
 * own code (default 0).
 */
export async function runAdminAction(
  ctx: CommandContext,
  flags: AdminFlags,
  action: (clients: ServerApiClients) => Promise<number | void>,
): Promise<number> {
  const clients = connectAdmin(resolveSocketPath(flags.socketPath, flags.instance, ctx.io.env));
  try {
    return (await action(clients)) ?? 0;
  } catch (err) {
    return printCommandError(ctx.io.stderr, err);
  } finally {
    clients.close();
  }
}
