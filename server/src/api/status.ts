import { status as GrpcCode } from '@grpc/grpc-js';
import { ResourceExhaustedError, UnimplementedError } from '@lanyard/base';
import { toServiceError, type ServiceErrorStatus } from '@lanyard/base/grpc';
import { AgentPermissionDeniedError, encodePermissionDeniedStatus } from './status-details';
import { isStorageFull } from '../datastore/sql/sql-errors';

/** SPIRE's `types.Status` as carried in batch results. */
export interface ApiStatus {
  code: number;
  message: string;
}

/** The OK per-item status batch RPCs return (`{code: 0, message: "OK"}`). */
export const OK_STATUS: ApiStatus = { code: GrpcCode.OK, message: 'OK' };

/** Maps any thrown value to a batch-result status: the gRPC bridge's code and caller-safe message. */
export function apiStatusOf(err: unknown): ApiStatus {
  const status = toServiceError(storageFullAsExhausted(err));
  return { code: status.code, message: status.details };
}

/**
 * The status grpc-js sends for a failed call (see the gRPC bridge's `toServiceError`); agent authorization
 * failures also carry SPIRE's `PermissionDeniedDetails` in `grpc-status-details-bin` so SPIRE agents know to
 * re-attest or rebootstrap.
 */
export function toCallStatus(err: unknown): ServiceErrorStatus {
  const status = toServiceError(storageFullAsExhausted(err));
  if (err instanceof AgentPermissionDeniedError) {
    status.metadata.set(
      'grpc-status-details-bin',
      encodePermissionDeniedStatus(status.code, status.details, err.reason),
    );
  }
  return status;
}

/**
 * A full database (disk or quota) is reported as RESOURCE_EXHAUSTED with a message saying so, instead of INTERNAL
 * "internal error": the write was rolled back and can be retried once space is freed.
 */
function storageFullAsExhausted(err: unknown): unknown {
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
