// Original file: protos/spire/api/agent/debug/v1/debug.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { GetInfoRequest as _spire_agent_debug_v1_GetInfoRequest, GetInfoRequest__Output as _spire_agent_debug_v1_GetInfoRequest__Output } from '../../../../spire/agent/debug/v1/GetInfoRequest';
import type { GetInfoResponse as _spire_agent_debug_v1_GetInfoResponse, GetInfoResponse__Output as _spire_agent_debug_v1_GetInfoResponse__Output } from '../../../../spire/agent/debug/v1/GetInfoResponse';

export interface DebugClient extends grpc.Client {
  GetInfo(argument: _spire_agent_debug_v1_GetInfoRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_spire_agent_debug_v1_GetInfoResponse__Output>): grpc.ClientUnaryCall;
  GetInfo(argument: _spire_agent_debug_v1_GetInfoRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_spire_agent_debug_v1_GetInfoResponse__Output>): grpc.ClientUnaryCall;
  GetInfo(argument: _spire_agent_debug_v1_GetInfoRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_spire_agent_debug_v1_GetInfoResponse__Output>): grpc.ClientUnaryCall;
  GetInfo(argument: _spire_agent_debug_v1_GetInfoRequest, callback: grpc.requestCallback<_spire_agent_debug_v1_GetInfoResponse__Output>): grpc.ClientUnaryCall;
  getInfo(argument: _spire_agent_debug_v1_GetInfoRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_spire_agent_debug_v1_GetInfoResponse__Output>): grpc.ClientUnaryCall;
  getInfo(argument: _spire_agent_debug_v1_GetInfoRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_spire_agent_debug_v1_GetInfoResponse__Output>): grpc.ClientUnaryCall;
  getInfo(argument: _spire_agent_debug_v1_GetInfoRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_spire_agent_debug_v1_GetInfoResponse__Output>): grpc.ClientUnaryCall;
  getInfo(argument: _spire_agent_debug_v1_GetInfoRequest, callback: grpc.requestCallback<_spire_agent_debug_v1_GetInfoResponse__Output>): grpc.ClientUnaryCall;
  
}

export interface DebugHandlers extends grpc.UntypedServiceImplementation {
  GetInfo: grpc.handleUnaryCall<_spire_agent_debug_v1_GetInfoRequest__Output, _spire_agent_debug_v1_GetInfoResponse>;
  
}

export interface DebugDefinition extends grpc.ServiceDefinition {
  GetInfo: MethodDefinition<_spire_agent_debug_v1_GetInfoRequest, _spire_agent_debug_v1_GetInfoResponse, _spire_agent_debug_v1_GetInfoRequest__Output, _spire_agent_debug_v1_GetInfoResponse__Output>
}
