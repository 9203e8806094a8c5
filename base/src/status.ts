/**
 * gRPC status codes as numbers (the values are fixed by the gRPC protocol), so that code below the gRPC edges
 * can say which status a failure maps to without loading `@grpc/grpc-js`.
 */
export const StatusCode = {
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  OUT_OF_RANGE: 11,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  DATA_LOSS: 15,
  UNAUTHENTICATED: 16,
} as const;

/** One of the gRPC status code numbers in {@link StatusCode}. */
export type StatusCode = (typeof StatusCode)[keyof typeof StatusCode];

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
