import type { LanyardError } from '@lanyard/base';
import { fromServiceError } from '@lanyard/base/grpc';

/**
 * Converts a failed Workload API call into the {@link LanyardError} carrying the same gRPC status, with a
 * message naming the RPC and the server's status, e.g.
 * `workload api FetchX509SVID: rpc error: code = PermissionDenied desc = no identity issued`.
 * Errors that already are LanyardErrors pass through unchanged.
 */
export function workloadApiError(method: string, err: unknown): LanyardError {
  return fromServiceError(err, `workload api ${method}`);
}
