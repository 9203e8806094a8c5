import * as grpc from '@grpc/grpc-js';
import { LanyardError } from '@lanyard/base';
import type { PluginLogger } from '@lanyard/attestor-core';

/**
 * The one boundary that turns any thrown value into a gRPC status: a LanyardError keeps its code and message,
 * anything else becomes INTERNAL with a generic message and is logged once.
 */
export function toServiceError(
  err: unknown,
  logger: PluginLogger,
  method: string,
): Partial<grpc.StatusObject> {
  if (err instanceof LanyardError) {
    return { code: err.grpcStatus, details: err.message, metadata: new grpc.Metadata() };
  }
  logger.error('Workload API handler failed', { method, error: String(err) });
  return { code: grpc.status.INTERNAL, details: 'internal error', metadata: new grpc.Metadata() };
}
