import { status, type ServiceError } from '@grpc/grpc-js';
import {
  InvalidArgumentError,
  LanyardError,
  PermissionDeniedError,
  UnauthenticatedError,
  UnavailableError,
} from '@lanyard/base';

/** True if `err` looks like a grpc-js `ServiceError` (has a numeric `code`). */
export function isServiceError(err: unknown): err is ServiceError {
  return typeof err === 'object' && err !== null && typeof (err as { code?: unknown }).code === 'number';
}

/**
 * Converts a failed Workload API call into a {@link LanyardError} carrying the same gRPC status, with a message
 * naming the RPC and the server's details, e.g. `workload api FetchX509SVID: no identity issued`.
 * Errors that already are LanyardErrors pass through unchanged.
 */
export function workloadApiError(method: string, err: unknown): LanyardError {
  if (err instanceof LanyardError) return err;
  if (!isServiceError(err)) {
    return new UnavailableError(`workload api ${method}: ${String(err)}`, 'ERR_WORKLOAD_API', { cause: err });
  }
  const message = `workload api ${method}: ${err.details || status[err.code]?.toLowerCase() || 'failed'}`;
  switch (err.code) {
    case status.INVALID_ARGUMENT:
      return new InvalidArgumentError(message, 'ERR_WORKLOAD_API', { cause: err });
    case status.PERMISSION_DENIED:
      return new PermissionDeniedError(message, 'ERR_WORKLOAD_API');
    case status.UNAUTHENTICATED:
      return new UnauthenticatedError(message, 'ERR_WORKLOAD_API');
    case status.UNAVAILABLE:
      return new UnavailableError(message, 'ERR_WORKLOAD_API', { cause: err });
    default:
      return new LanyardError(err.code, 'ERR_WORKLOAD_API', message, { cause: err });
  }
}
