import { status as GrpcCode } from '@grpc/grpc-js';
import {
  InvalidArgumentError,
  ResourceExhaustedError,
  UnavailableError,
  UnimplementedError,
} from '@lanyard/base';
import { toServiceError, type ServiceErrorStatus } from '@lanyard/base/grpc';
import { AgentPermissionDeniedError, encodePermissionDeniedStatus } from './status-details';
import { isDatabaseUnreachable, isStorageFull, isValueTooLong } from '../datastore/sql/sql-errors';

/** SPIRE's `types.Status` as carried in batch results. */
export interface ApiStatus {
  code: number;
  message: string;
}

/** The OK per-item status batch RPCs return (`{code: 0, message: "OK"}`). */
export const OK_STATUS: ApiStatus = { code: GrpcCode.OK, message: 'OK' };

/** Maps any thrown value to a batch-result status: the gRPC bridge's code and caller-safe message. */
export function apiStatusOf(err: unknown): ApiStatus {
  const status = toServiceError(asDatastoreStatus(err));
  return { code: status.code, message: status.details };
}

/**
 * The status grpc-js sends for a failed call (see the gRPC bridge's `toServiceError`); agent authorization
 * failures also carry SPIRE's `PermissionDeniedDetails` in `grpc-status-details-bin` so SPIRE agents know to
 * re-attest or rebootstrap.
 */
export function toCallStatus(err: unknown): ServiceErrorStatus {
  const status = toServiceError(asDatastoreStatus(err));
  if (err instanceof AgentPermissionDeniedError) {
    status.metadata.set(
      'grpc-status-details-bin',
      encodePermissionDeniedStatus(status.code, status.details, err.reason),
    );
  }
  return status;
}

/**
 * Datastore failures a caller can act on get their own status instead of INTERNAL "internal error": a lost
 * database connection is UNAVAILABLE (retry), a full database RESOURCE_EXHAUSTED (retry once space is freed); in
 * both cases the write was rolled back. A value longer than its MySQL column allows is INVALID_ARGUMENT.
 */
function asDatastoreStatus(err: unknown): unknown {
  if (isValueTooLong(err)) {
    return new InvalidArgumentError(
      `value too long for the datastore: ${(err as Error).message} (see the MySQL column limits in docs/configuration.md)`,
      'ERR_DATASTORE_VALUE_TOO_LONG',
      { cause: err },
    );
  }
  if (isDatabaseUnreachable(err)) {
    return new UnavailableError(
      'datastore unavailable: the database connection was lost; retry',
      'ERR_DATASTORE_UNAVAILABLE',
      { cause: err },
    );
  }
  if (!isStorageFull(err)) return err;
  return new ResourceExhaustedError(
    'datastore is full: the database could not grow (no space left); nothing was written, retry after freeing space',
    'ERR_DATASTORE_FULL',
    { cause: err },
  );
}

/** Rejects an RPC Lanyard does not implement (gRPC UNIMPLEMENTED). */
export async function unimplemented(what: string): Promise<never> {
  throw new UnimplementedError(`${what} is not implemented`, 'ERR_UNIMPLEMENTED');
}

/** `disable_jwt_svids`: SPIRE's answer to JWT RPCs. */
export async function jwtDisabled(): Promise<never> {
  throw new UnimplementedError('JWT functionality is disabled', 'ERR_JWT_DISABLED');
}
