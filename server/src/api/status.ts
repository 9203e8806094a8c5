import { status as GrpcCode, type ServiceError, Metadata } from '@grpc/grpc-js';
import { LanyardError } from '@lanyard/base';
import { AgentPermissionDeniedError, encodePermissionDeniedStatus } from './status-details';

/** SPIRE's `types.Status` as carried in batch results. */
export interface ApiStatus {
  code: number;
  message: string;
}

/** The OK per-item status batch RPCs return (`{code: 0, message: "OK"}`). */
export const OK_STATUS: ApiStatus = { code: GrpcCode.OK, message: 'OK' };

/** Message used for anything that is not a {@link LanyardError}: internals never leak to callers. */
export const INTERNAL_MESSAGE = 'internal error';

/** Maps any thrown value to a gRPC code and a caller-safe message. */
export function statusOf(err: unknown): ApiStatus {
  if (err instanceof LanyardError) return { code: err.grpcStatus, message: err.message };
  return { code: GrpcCode.INTERNAL, message: INTERNAL_MESSAGE };
}

/**
 * Builds the error object grpc-js sends as the call status; agent authorization failures also carry SPIRE's
 * `PermissionDeniedDetails` in `grpc-status-details-bin` so SPIRE agents know to re-attest or rebootstrap.
 */
export function toServiceError(s: ApiStatus, err?: unknown): Partial<ServiceError> {
  const metadata = new Metadata();
  if (err instanceof AgentPermissionDeniedError) {
    metadata.set('grpc-status-details-bin', encodePermissionDeniedStatus(s.code, s.message, err.reason));
  }
  return { code: s.code, details: s.message, metadata };
}

/** Name of a gRPC code as SPIRE logs and labels it (`OK`, `PermissionDenied`, …). */
export function codeName(code: number): string {
  const raw = GrpcCode[code] ?? 'UNKNOWN';
  return raw
    .toLowerCase()
    .split('_')
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('')
    .replace(/^Ok$/, 'OK');
}

/** Rejects an RPC Lanyard does not implement (gRPC UNIMPLEMENTED). */
export async function unimplemented(what: string): Promise<never> {
  throw new LanyardError(GrpcCode.UNIMPLEMENTED, 'ERR_UNIMPLEMENTED', `${what} is not implemented`);
}

/** `disable_jwt_svids`: SPIRE's answer to JWT RPCs. */
export async function jwtDisabled(): Promise<never> {
  throw new LanyardError(GrpcCode.UNIMPLEMENTED, 'ERR_JWT_DISABLED', 'JWT functionality is disabled');
}
