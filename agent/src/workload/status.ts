import { LanyardError, PermissionDeniedError, UnavailableError } from '@lanyard/base';
import { toServiceError, type ServiceErrorStatus } from '@lanyard/base/grpc';
import { formatSelector, type PluginLogger } from '@lanyard/attestor-core';
import type { AttestedCaller } from './caller';

/**
 * The one boundary of the Workload API handlers: the gRPC bridge turns any thrown value into a status (a
 * LanyardError keeps its code and message, anything else becomes INTERNAL "internal error"); the latter are
 * logged here, once.
 */
export function toCallStatus(err: unknown, logger: PluginLogger, method: string): ServiceErrorStatus {
  if (!(err instanceof LanyardError)) {
    logger.error('Workload API handler failed', { method, error: String(err) });
  }
  return toServiceError(err);
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
