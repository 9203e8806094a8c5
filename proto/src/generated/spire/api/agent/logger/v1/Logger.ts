// Original file: protos/spire/api/agent/logger/v1/logger.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { GetLoggerRequest as _spire_api_agent_logger_v1_GetLoggerRequest, GetLoggerRequest__Output as _spire_api_agent_logger_v1_GetLoggerRequest__Output } from '../../../../../spire/api/agent/logger/v1/GetLoggerRequest';
import type { Logger as _spire_api_types_Logger, Logger__Output as _spire_api_types_Logger__Output } from '../../../../../spire/api/types/Logger';
import type { ResetLogLevelRequest as _spire_api_agent_logger_v1_ResetLogLevelRequest, ResetLogLevelRequest__Output as _spire_api_agent_logger_v1_ResetLogLevelRequest__Output } from '../../../../../spire/api/agent/logger/v1/ResetLogLevelRequest';
import type { SetLogLevelRequest as _spire_api_agent_logger_v1_SetLogLevelRequest, SetLogLevelRequest__Output as _spire_api_agent_logger_v1_SetLogLevelRequest__Output } from '../../../../../spire/api/agent/logger/v1/SetLogLevelRequest';

export interface LoggerClient extends grpc.Client {
  GetLogger(argument: _spire_api_agent_logger_v1_GetLoggerRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_spire_api_types_Logger__Output>): grpc.ClientUnaryCall;
  GetLogger(argument: _spire_api_agent_logger_v1_GetLoggerRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_spire_api_types_Logger__Output>): grpc.ClientUnaryCall;
  GetLogger(argument: _spire_api_agent_logger_v1_GetLoggerRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_spire_api_types_Logger__Output>): grpc.ClientUnaryCall;
  GetLogger(argument: _spire_api_agent_logger_v1_GetLoggerRequest, callback: grpc.requestCallback<_spire_api_types_Logger__Output>): grpc.ClientUnaryCall;
  getLogger(argument: _spire_api_agent_logger_v1_GetLoggerRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_spire_api_types_Logger__Output>): grpc.ClientUnaryCall;
  getLogger(argument: _spire_api_agent_logger_v1_GetLoggerRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_spire_api_types_Logger__Output>): grpc.ClientUnaryCall;
  getLogger(argument: _spire_api_agent_logger_v1_GetLoggerRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_spire_api_types_Logger__Output>): grpc.ClientUnaryCall;
  getLogger(argument: _spire_api_agent_logger_v1_GetLoggerRequest, callback: grpc.requestCallback<_spire_api_types_Logger__Output>): grpc.ClientUnaryCall;
  
  ResetLogLevel(argument: _spire_api_agent_logger_v1_ResetLogLevelRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_spire_api_types_Logger__Output>): grpc.ClientUnaryCall;
  ResetLogLevel(argument: _spire_api_agent_logger_v1_ResetLogLevelRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_spire_api_types_Logger__Output>): grpc.ClientUnaryCall;
  ResetLogLevel(argument: _spire_api_agent_logger_v1_ResetLogLevelRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_spire_api_types_Logger__Output>): grpc.ClientUnaryCall;
  ResetLogLevel(argument: _spire_api_agent_logger_v1_ResetLogLevelRequest, callback: grpc.requestCallback<_spire_api_types_Logger__Output>): grpc.ClientUnaryCall;
  resetLogLevel(argument: _spire_api_agent_logger_v1_ResetLogLevelRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_spire_api_types_Logger__Output>): grpc.ClientUnaryCall;
  resetLogLevel(argument: _spire_api_agent_logger_v1_ResetLogLevelRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_spire_api_types_Logger__Output>): grpc.ClientUnaryCall;
  resetLogLevel(argument: _spire_api_agent_logger_v1_ResetLogLevelRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_spire_api_types_Logger__Output>): grpc.ClientUnaryCall;
  resetLogLevel(argument: _spire_api_agent_logger_v1_ResetLogLevelRequest, callback: grpc.requestCallback<_spire_api_types_Logger__Output>): grpc.ClientUnaryCall;
  
  SetLogLevel(argument: _spire_api_agent_logger_v1_SetLogLevelRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_spire_api_types_Logger__Output>): grpc.ClientUnaryCall;
  SetLogLevel(argument: _spire_api_agent_logger_v1_SetLogLevelRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_spire_api_types_Logger__Output>): grpc.ClientUnaryCall;
  SetLogLevel(argument: _spire_api_agent_logger_v1_SetLogLevelRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_spire_api_types_Logger__Output>): grpc.ClientUnaryCall;
  SetLogLevel(argument: _spire_api_agent_logger_v1_SetLogLevelRequest, callback: grpc.requestCallback<_spire_api_types_Logger__Output>): grpc.ClientUnaryCall;
  setLogLevel(argument: _spire_api_agent_logger_v1_SetLogLevelRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_spire_api_types_Logger__Output>): grpc.ClientUnaryCall;
  setLogLevel(argument: _spire_api_agent_logger_v1_SetLogLevelRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_spire_api_types_Logger__Output>): grpc.ClientUnaryCall;
  setLogLevel(argument: _spire_api_agent_logger_v1_SetLogLevelRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_spire_api_types_Logger__Output>): grpc.ClientUnaryCall;
  setLogLevel(argument: _spire_api_agent_logger_v1_SetLogLevelRequest, callback: grpc.requestCallback<_spire_api_types_Logger__Output>): grpc.ClientUnaryCall;
  
}

export interface LoggerHandlers extends grpc.UntypedServiceImplementation {
  GetLogger: grpc.handleUnaryCall<_spire_api_agent_logger_v1_GetLoggerRequest__Output, _spire_api_types_Logger>;
  
  ResetLogLevel: grpc.handleUnaryCall<_spire_api_agent_logger_v1_ResetLogLevelRequest__Output, _spire_api_types_Logger>;
  
  SetLogLevel: grpc.handleUnaryCall<_spire_api_agent_logger_v1_SetLogLevelRequest__Output, _spire_api_types_Logger>;
  
}

export interface LoggerDefinition extends grpc.ServiceDefinition {
  GetLogger: MethodDefinition<_spire_api_agent_logger_v1_GetLoggerRequest, _spire_api_types_Logger, _spire_api_agent_logger_v1_GetLoggerRequest__Output, _spire_api_types_Logger__Output>
  ResetLogLevel: MethodDefinition<_spire_api_agent_logger_v1_ResetLogLevelRequest, _spire_api_types_Logger, _spire_api_agent_logger_v1_ResetLogLevelRequest__Output, _spire_api_types_Logger__Output>
  SetLogLevel: MethodDefinition<_spire_api_agent_logger_v1_SetLogLevelRequest, _spire_api_types_Logger, _spire_api_agent_logger_v1_SetLogLevelRequest__Output, _spire_api_types_Logger__Output>
}
