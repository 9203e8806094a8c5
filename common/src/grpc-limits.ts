/**
 * Resource bounds of Lanyard's gRPC listeners and channels (Lanyard extension: `lanyard_limits {}` in
 * `server.conf` and `agent.conf`). One default message size is used on both ends of every connection, so a
 * server never sends what the agent would refuse to receive.
 */
import type * as grpc from '@grpc/grpc-js';

/** Bounds applied to one gRPC server (listener). */
export interface GrpcListenerLimits {
  /** Largest message received or sent, in bytes; larger ones fail with ResourceExhausted. */
  maxMessageBytes: number;
  /** HTTP/2 `SETTINGS_MAX_CONCURRENT_STREAMS`: calls open at once on one connection. */
  maxConcurrentStreams: number;
  /** Connections accepted at once on the listener; further ones are closed at accept. */
  maxConnections: number;
  /** A connection without calls for this long is closed (GOAWAY). */
  connectionIdleTimeoutMs: number;
  /** The server pings a connection silent for this long... */
  keepaliveTimeMs: number;
  /** ...and drops it when the ping is not answered within this. */
  keepaliveTimeoutMs: number;
}

/**
 * 16 MiB: a `SyncAuthorizedEntries` page holds at most 500 entries (SPIRE's page size), so a page stays far
 * below it even with large entries; grpc-js' own receive default (4 MiB) is kept from being the silent limit.
 */
export const DEFAULT_GRPC_MAX_MESSAGE_BYTES = 16 * 1024 * 1024;

/** Safe defaults of {@link GrpcListenerLimits}. */
export const GRPC_LISTENER_DEFAULTS: Readonly<GrpcListenerLimits> = {
  maxMessageBytes: DEFAULT_GRPC_MAX_MESSAGE_BYTES,
  maxConcurrentStreams: 100,
  maxConnections: 1024,
  connectionIdleTimeoutMs: 10 * 60_000,
  keepaliveTimeMs: 5 * 60_000,
  keepaliveTimeoutMs: 20_000,
};

/** `partial` over `defaults`: keys that are absent or undefined keep the default. */
export function limitsOverDefaults<T extends object>(defaults: Readonly<T>, partial: Partial<T> = {}): T {
  const defined = Object.entries(partial).filter(([, value]) => value !== undefined);
  return { ...defaults, ...Object.fromEntries(defined) } as T;
}

/** grpc-js server options enforcing `limits` (message sizes, streams per connection, idle and dead peers). */
export function grpcServerOptions(limits: GrpcListenerLimits): grpc.ServerOptions {
  return {
    'grpc.max_receive_message_length': limits.maxMessageBytes,
    'grpc.max_send_message_length': limits.maxMessageBytes,
    'grpc.max_concurrent_streams': limits.maxConcurrentStreams,
    'grpc.max_connection_idle_ms': limits.connectionIdleTimeoutMs,
    'grpc.keepalive_time_ms': limits.keepaliveTimeMs,
    'grpc.keepalive_timeout_ms': limits.keepaliveTimeoutMs,
  };
}

/** grpc-js channel options bounding message sizes both ways, matching the listeners' default. */
export function grpcChannelMessageOptions(
  maxMessageBytes = DEFAULT_GRPC_MAX_MESSAGE_BYTES,
): grpc.ChannelOptions {
  return {
    'grpc.max_receive_message_length': maxMessageBytes,
    'grpc.max_send_message_length': maxMessageBytes,
  };
}
