// Original file: protos/lanyard/agent/v1/entry_watch.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { WatchRequest as _lanyard_agent_v1_WatchRequest, WatchRequest__Output as _lanyard_agent_v1_WatchRequest__Output } from '../../../lanyard/agent/v1/WatchRequest';
import type { WatchResponse as _lanyard_agent_v1_WatchResponse, WatchResponse__Output as _lanyard_agent_v1_WatchResponse__Output } from '../../../lanyard/agent/v1/WatchResponse';

export interface EntryWatchClient extends grpc.Client {
  Watch(argument: _lanyard_agent_v1_WatchRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_lanyard_agent_v1_WatchResponse__Output>;
  Watch(argument: _lanyard_agent_v1_WatchRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_lanyard_agent_v1_WatchResponse__Output>;
  watch(argument: _lanyard_agent_v1_WatchRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_lanyard_agent_v1_WatchResponse__Output>;
  watch(argument: _lanyard_agent_v1_WatchRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_lanyard_agent_v1_WatchResponse__Output>;
  
}

export interface EntryWatchHandlers extends grpc.UntypedServiceImplementation {
  Watch: grpc.handleServerStreamingCall<_lanyard_agent_v1_WatchRequest__Output, _lanyard_agent_v1_WatchResponse>;
  
}

export interface EntryWatchDefinition extends grpc.ServiceDefinition {
  Watch: MethodDefinition<_lanyard_agent_v1_WatchRequest, _lanyard_agent_v1_WatchResponse, _lanyard_agent_v1_WatchRequest__Output, _lanyard_agent_v1_WatchResponse__Output>
}
