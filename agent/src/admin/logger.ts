/** `spire.api.agent.logger.v1.Logger` on the admin socket: the live level of the agent's logger. */
import type * as grpc from '@grpc/grpc-js';
import type { PluginLogger } from '@lanyard/attestor-core';
import { LoggerApi, type LogLevelControl } from '@lanyard/common';
import { loadSpireAgentApis, type AgentLoggerHandlers } from '@lanyard/proto';
import { toCallStatus } from '../workload/status';

/** `SetLogLevel` input as decoded (enum as its name; a number when the value is outside the enum). */
interface SetLogLevelRequest {
  new_level?: string | number;
}

/**
 * The Logger handlers over `control`. As in SPIRE, any caller that can open the admin socket may use them (the
 * socket's 0770 mode is the access control); a refused level answers InvalidArgument and changes nothing.
 */
export function createLoggerHandlers(control: LogLevelControl, logger: PluginLogger): AgentLoggerHandlers {
  const api = new LoggerApi(control, logger);
  const answer = <T>(method: string, run: () => T, callback: grpc.sendUnaryData<T>): void => {
    try {
      callback(null, run());
    } catch (err) {
      callback(toCallStatus(err, logger, method));
    }
  };
  return {
    GetLogger: (_call, callback) => answer('GetLogger', () => api.get(), callback),
    SetLogLevel: (call, callback) =>
      answer('SetLogLevel', () => api.set((call.request as SetLogLevelRequest).new_level), callback),
    ResetLogLevel: (_call, callback) => answer('ResetLogLevel', () => api.reset(), callback),
  };
}

/** Registers `spire.api.agent.logger.v1.Logger` on the admin gRPC server. */
export function registerLoggerService(
  server: grpc.Server,
  control: LogLevelControl,
  logger: PluginLogger,
): void {
  server.addService(
    loadSpireAgentApis().spire.api.agent.logger.v1.Logger.service,
    createLoggerHandlers(control, logger),
  );
}
