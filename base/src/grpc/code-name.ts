import type { ServiceError } from '@grpc/grpc-js';
import { codeName } from '../status';

export { codeName };

/** True if `err` looks like a grpc-js `ServiceError` (it carries a numeric gRPC status `code`). */
export function isServiceError(err: unknown): err is ServiceError {
  return typeof err === 'object' && err !== null && typeof (err as { code?: unknown }).code === 'number';
}

/**
 * A failed call as text, the way Go prints a gRPC status error: `rpc error: code = NotFound desc = entry not
 * found`. Anything without a status code is printed as its message.
 */
export function formatRpcError(err: unknown): string {
  if (isServiceError(err)) return `rpc error: code = ${codeName(err.code)} desc = ${err.details ?? ''}`;
  return err instanceof Error ? err.message : String(err);
}
