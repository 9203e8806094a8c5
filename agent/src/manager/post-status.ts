import type { PluginLogger } from '@lanyard/attestor-core';
import { unary } from '@lanyard/base/grpc';
import type { ServerConnection } from '../client/server-connection';
import { RPC_TIMEOUT_MS, describeRpcError } from '../client/rpc';

/** Lanyard's agent version, reported to the server (PostStatus) and in `spire_agent_started`. */
export const AGENT_VERSION = '0.1.0';

/**
 * Reports the agent's version to the server once, before the first sync, as SPIRE's agent manager does. The
 * server stores it on the attested node (`agent list|show`). A failure is logged and does not stop the agent.
 */
export async function postAgentStatus(
  connection: ServerConnection,
  logger: PluginLogger,
  version: string = AGENT_VERSION,
): Promise<void> {
  const clients = connection.clients();
  try {
    await unary((opts, cb) => clients.agent.PostStatus({ agent_version: version }, opts, cb), RPC_TIMEOUT_MS);
  } catch (err) {
    logger.error('Failed to post agent status', { agent_version: version, error: describeRpcError(err) });
  }
}
