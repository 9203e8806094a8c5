import type * as grpc from '@grpc/grpc-js';
import { LoggerApi, type LogLevelControl } from '@lanyard/common';
import type { RpcBoundary } from '../boundary';
import { specsFor } from '../specs';

/** `SetLogLevel` input as decoded (enum as its name; a number when the value is outside the enum). */
interface SetLogLevelRequest {
  new_level?: string | number;
}

/**
 * Registers `spire.api.server.logger.v1.Logger` over the server's live logger. Like SPIRE, it is
 * served on the admin socket only, to local callers (see `AUTHORIZATION_POLICY`).
 */
export function registerLoggerService(
  server: grpc.Server,
  definition: grpc.ServiceDefinition,
  boundary: RpcBoundary,
  control: LogLevelControl,
): void {
  const spec = specsFor('logger');
  server.addService(definition, {
    GetLogger: boundary.unary(spec('GetLogger'), async (_req, ctx) =>
      new LoggerApi(control, ctx.logger).get(),
    ),
    SetLogLevel: boundary.unary(spec('SetLogLevel'), async (req: SetLogLevelRequest, ctx) =>
      new LoggerApi(control, ctx.logger).set(req.new_level),
    ),
    ResetLogLevel: boundary.unary(spec('ResetLogLevel'), async (_req, ctx) =>
      new LoggerApi(control, ctx.logger).reset(),
    ),
  });
}
