/**
 * Agent-level refusals: a PermissionDenied or NotFound answer to a call made on the agent's own behalf (SVID
 * renewal, entry sync, bundle fetch) means the server no longer knows the agent (evicted or banned), not that
 * one resource is missing.
 */
import * as grpc from '@grpc/grpc-js';
import { statusOf } from '@lanyard/base/grpc';

/** The server refused the agent itself (not a single resource): it was evicted or banned. */
export class AgentRefusedError extends Error {
  constructor(override readonly cause: unknown) {
    super((cause as Error)?.message ?? String(cause));
  }
}

/** Marks PermissionDenied/NotFound from agent-level calls (renewal, entry sync) as {@link AgentRefusedError}. */
export async function refusal<T>(promise: Promise<T>): Promise<T> {
  try {
    return await promise;
  } catch (err) {
    const code = statusOf(err);
    if (code === grpc.status.PERMISSION_DENIED || code === grpc.status.NOT_FOUND)
      throw new AgentRefusedError(err);
    throw err;
  }
}
