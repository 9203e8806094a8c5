import * as grpc from '@grpc/grpc-js';
import { LanyardError, PermissionDeniedError, UnavailableError } from '@lanyard/base';
import { formatSelector, type PluginLogger } from '@lanyard/attestor-core';
import type { AttestedCaller } from './caller';

/**
 * The one boundary that turns any thrown value into a gRPC status: a LanyardError keeps its code and message,
 * anything else becomes INTERNAL with a generic message and is logged once.
 */
export function toServiceError(
  err: unknown,
  logger: PluginLogger,
  method: string,
): Partial<grpc.StatusObject> {
  if (err instanceof LanyardError) {
    return { code: err.grpcStatus, details: err.message, metadata: new grpc.Metadata() };
  }
  logger.error('Workload API handler failed', { method, error: String(err) });
  return { code: grpc.status.INTERNAL, details: 'internal error', metadata: new grpc.Metadata() };
}

/** The status SPIRE answers when a caller matches no entry. */
export function noIdentity(logger: PluginLogger, caller: AttestedCaller): PermissionDeniedError {
  logger.error('No identity issued', {
    caller_pid: caller.connection.cred.pid,
    caller_uid: caller.connection.cred.uid,
    selectors: caller.selectors.map(formatSelector).join(','),
  });
  return new PermissionDeniedError('no identity issued', 'ERR_NO_IDENTITY');
}

/** The status when the agent has not synced with the server yet. */
export function notReady(): UnavailableError {
  return new UnavailableError('agent is not ready: no trust bundle yet', 'ERR_AGENT_NOT_READY');
}
