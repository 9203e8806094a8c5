/**
 * The server's resource bounds (Lanyard extension `lanyard_limits {}`): per-listener gRPC limits plus the
 * bounds of its long-lived and unauthenticated streams.
 */
import { GRPC_LISTENER_DEFAULTS, limitsOverDefaults, type GrpcListenerLimits } from '@lanyard/common';

/** Every bound the server enforces on its gRPC listeners and streams. */
export interface ServerLimits extends GrpcListenerLimits {
  /** TCP listener: a connection older than this is asked to go away (GOAWAY), as SPIRE does after 3 min. */
  maxConnectionAgeMs: number;
  /**
   * A server-side stream idle this long ends with DeadlineExceeded: no client message on
   * `SyncAuthorizedEntries`, no status change on `Health.Watch`.
   */
  streamIdleTimeoutMs: number;
  /** How long an (unauthenticated) AttestAgent client may take for its params and each challenge response. */
  attestationStepTimeoutMs: number;
  /** Largest attestation payload and challenge response, in bytes (InvalidArgument beyond). */
  attestationMaxPayloadBytes: number;
}

/** Safe defaults of {@link ServerLimits}. */
export const SERVER_LIMIT_DEFAULTS: Readonly<ServerLimits> = {
  ...GRPC_LISTENER_DEFAULTS,
  maxConnectionAgeMs: 3 * 60_000,
  streamIdleTimeoutMs: 5 * 60_000,
  attestationStepTimeoutMs: 30_000,
  attestationMaxPayloadBytes: 64 * 1024,
};

/** `partial` over the defaults. */
export function serverLimits(partial: Partial<ServerLimits> = {}): ServerLimits {
  return limitsOverDefaults(SERVER_LIMIT_DEFAULTS, partial);
}
