import type { ServiceError } from '@grpc/grpc-js';

/** Go's names of the gRPC codes (`codes.Code.String()`), indexed by code. */
const GO_CODE_NAMES: readonly string[] = [
  'OK',
  'Canceled',
  'Unknown',
  'InvalidArgument',
  'DeadlineExceeded',
  'NotFound',
  'AlreadyExists',
  'PermissionDenied',
  'ResourceExhausted',
  'FailedPrecondition',
  'Aborted',
  'OutOfRange',
  'Unimplemented',
  'Internal',
  'Unavailable',
  'DataLoss',
  'Unauthenticated',
];

/**
 * Name of a gRPC code as SPIRE (Go) prints, logs and labels it: `OK`, `Canceled`, `PermissionDenied`, …;
 * a code outside the gRPC range prints as `Code(17)`, as Go does.
 */
export function codeName(code: number): string {
  return GO_CODE_NAMES[code] ?? `Code(${code})`;
}

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
