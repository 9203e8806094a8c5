// Original file: protos/spire/api/server/agent/v1/agent.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { Agent as _spire_api_types_Agent, Agent__Output as _spire_api_types_Agent__Output } from '../../../../../spire/api/types/Agent';
import type { AttestAgentRequest as _spire_api_server_agent_v1_AttestAgentRequest, AttestAgentRequest__Output as _spire_api_server_agent_v1_AttestAgentRequest__Output } from '../../../../../spire/api/server/agent/v1/AttestAgentRequest';
import type { AttestAgentResponse as _spire_api_server_agent_v1_AttestAgentResponse, AttestAgentResponse__Output as _spire_api_server_agent_v1_AttestAgentResponse__Output } from '../../../../../spire/api/server/agent/v1/AttestAgentResponse';
import type { BanAgentRequest as _spire_api_server_agent_v1_BanAgentRequest, BanAgentRequest__Output as _spire_api_server_agent_v1_BanAgentRequest__Output } from '../../../../../spire/api/server/agent/v1/BanAgentRequest';
import type { CountAgentsRequest as _spire_api_server_agent_v1_CountAgentsRequest, CountAgentsRequest__Output as _spire_api_server_agent_v1_CountAgentsRequest__Output } from '../../../../../spire/api/server/agent/v1/CountAgentsRequest';
import type { CountAgentsResponse as _spire_api_server_agent_v1_CountAgentsResponse, CountAgentsResponse__Output as _spire_api_server_agent_v1_CountAgentsResponse__Output } from '../../../../../spire/api/server/agent/v1/CountAgentsResponse';
import type { CreateJoinTokenRequest as _spire_api_server_agent_v1_CreateJoinTokenRequest, CreateJoinTokenRequest__Output as _spire_api_server_agent_v1_CreateJoinTokenRequest__Output } from '../../../../../spire/api/server/agent/v1/CreateJoinTokenRequest';
import type { DeleteAgentRequest as _spire_api_server_agent_v1_DeleteAgentRequest, DeleteAgentRequest__Output as _spire_api_server_agent_v1_DeleteAgentRequest__Output } from '../../../../../spire/api/server/agent/v1/DeleteAgentRequest';
import type { Empty as _google_protobuf_Empty, Empty__Output as _google_protobuf_Empty__Output } from '../../../../../google/protobuf/Empty';
import type { GetAgentRequest as _spire_api_server_agent_v1_GetAgentRequest, GetAgentRequest__Output as _spire_api_server_agent_v1_GetAgentRequest__Output } from '../../../../../spire/api/server/agent/v1/GetAgentRequest';
import type { JoinToken as _spire_api_types_JoinToken, JoinToken__Output as _spire_api_types_JoinToken__Output } from '../../../../../spire/api/types/JoinToken';
import type { ListAgentsRequest as _spire_api_server_agent_v1_ListAgentsRequest, ListAgentsRequest__Output as _spire_api_server_agent_v1_ListAgentsRequest__Output } from '../../../../../spire/api/server/agent/v1/ListAgentsRequest';
import type { ListAgentsResponse as _spire_api_server_agent_v1_ListAgentsResponse, ListAgentsResponse__Output as _spire_api_server_agent_v1_ListAgentsResponse__Output } from '../../../../../spire/api/server/agent/v1/ListAgentsResponse';
import type { PostStatusRequest as _spire_api_server_agent_v1_PostStatusRequest, PostStatusRequest__Output as _spire_api_server_agent_v1_PostStatusRequest__Output } from '../../../../../spire/api/server/agent/v1/PostStatusRequest';
import type { PostStatusResponse as _spire_api_server_agent_v1_PostStatusResponse, PostStatusResponse__Output as _spire_api_server_agent_v1_PostStatusResponse__Output } from '../../../../../spire/api/server/agent/v1/PostStatusResponse';
import type { RenewAgentRequest as _spire_api_server_agent_v1_RenewAgentRequest, RenewAgentRequest__Output as _spire_api_server_agent_v1_RenewAgentRequest__Output } from '../../../../../spire/api/server/agent/v1/RenewAgentRequest';
import type { RenewAgentResponse as _spire_api_server_agent_v1_RenewAgentResponse, RenewAgentResponse__Output as _spire_api_server_agent_v1_RenewAgentResponse__Output } from '../../../../../spire/api/server/agent/v1/RenewAgentResponse';

export interface AgentClient extends grpc.Client {
  AttestAgent(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_spire_api_server_agent_v1_AttestAgentRequest, _spire_api_server_agent_v1_AttestAgentResponse__Output>;
  AttestAgent(options?: grpc.CallOptions): grpc.ClientDuplexStream<_spire_api_server_agent_v1_AttestAgentRequest, _spire_api_server_agent_v1_AttestAgentResponse__Output>;
  attestAgent(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_spire_api_server_agent_v1_AttestAgentRequest, _spire_api_server_agent_v1_AttestAgentResponse__Output>;
  attestAgent(options?: grpc.CallOptions): grpc.ClientDuplexStream<_spire_api_server_agent_v1_AttestAgentRequest, _spire_api_server_agent_v1_AttestAgentResponse__Output>;
  
  BanAgent(argument: _spire_api_server_agent_v1_BanAgentRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  BanAgent(argument: _spire_api_server_agent_v1_BanAgentRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  BanAgent(argument: _spire_api_server_agent_v1_BanAgentRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  BanAgent(argument: _spire_api_server_agent_v1_BanAgentRequest, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  banAgent(argument: _spire_api_server_agent_v1_BanAgentRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  banAgent(argument: _spire_api_server_agent_v1_BanAgentRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  banAgent(argument: _spire_api_server_agent_v1_BanAgentRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  banAgent(argument: _spire_api_server_agent_v1_BanAgentRequest, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  
  CountAgents(argument: _spire_api_server_agent_v1_CountAgentsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_spire_api_server_agent_v1_CountAgentsResponse__Output>): grpc.ClientUnaryCall;
  CountAgents(argument: _spire_api_server_agent_v1_CountAgentsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_spire_api_server_agent_v1_CountAgentsResponse__Output>): grpc.ClientUnaryCall;
  CountAgents(argument: _spire_api_server_agent_v1_CountAgentsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_spire_api_server_agent_v1_CountAgentsResponse__Output>): grpc.ClientUnaryCall;
  CountAgents(argument: _spire_api_server_agent_v1_CountAgentsRequest, callback: grpc.requestCallback<_spire_api_server_agent_v1_CountAgentsResponse__Output>): grpc.ClientUnaryCall;
  countAgents(argument: _spire_api_server_agent_v1_CountAgentsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_spire_api_server_agent_v1_CountAgentsResponse__Output>): grpc.ClientUnaryCall;
  countAgents(argument: _spire_api_server_agent_v1_CountAgentsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_spire_api_server_agent_v1_CountAgentsResponse__Output>): grpc.ClientUnaryCall;
  countAgents(argument: _spire_api_server_agent_v1_CountAgentsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_spire_api_server_agent_v1_CountAgentsResponse__Output>): grpc.ClientUnaryCall;
  countAgents(argument: _spire_api_server_agent_v1_CountAgentsRequest, callback: grpc.requestCallback<_spire_api_server_agent_v1_CountAgentsResponse__Output>): grpc.ClientUnaryCall;
  
  CreateJoinToken(argument: _spire_api_server_agent_v1_CreateJoinTokenRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_spire_api_types_JoinToken__Output>): grpc.ClientUnaryCall;
  CreateJoinToken(argument: _spire_api_server_agent_v1_CreateJoinTokenRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_spire_api_types_JoinToken__Output>): grpc.ClientUnaryCall;
  CreateJoinToken(argument: _spire_api_server_agent_v1_CreateJoinTokenRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_spire_api_types_JoinToken__Output>): grpc.ClientUnaryCall;
  CreateJoinToken(argument: _spire_api_server_agent_v1_CreateJoinTokenRequest, callback: grpc.requestCallback<_spire_api_types_JoinToken__Output>): grpc.ClientUnaryCall;
  createJoinToken(argument: _spire_api_server_agent_v1_CreateJoinTokenRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_spire_api_types_JoinToken__Output>): grpc.ClientUnaryCall;
  createJoinToken(argument: _spire_api_server_agent_v1_CreateJoinTokenRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_spire_api_types_JoinToken__Output>): grpc.ClientUnaryCall;
  createJoinToken(argument: _spire_api_server_agent_v1_CreateJoinTokenRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_spire_api_types_JoinToken__Output>): grpc.ClientUnaryCall;
  createJoinToken(argument: _spire_api_server_agent_v1_CreateJoinTokenRequest, callback: grpc.requestCallback<_spire_api_types_JoinToken__Output>): grpc.ClientUnaryCall;
  
  DeleteAgent(argument: _spire_api_server_agent_v1_DeleteAgentRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  DeleteAgent(argument: _spire_api_server_agent_v1_DeleteAgentRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  DeleteAgent(argument: _spire_api_server_agent_v1_DeleteAgentRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  DeleteAgent(argument: _spire_api_server_agent_v1_DeleteAgentRequest, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  deleteAgent(argument: _spire_api_server_agent_v1_DeleteAgentRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  deleteAgent(argument: _spire_api_server_agent_v1_DeleteAgentRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  deleteAgent(argument: _spire_api_server_agent_v1_DeleteAgentRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  deleteAgent(argument: _spire_api_server_agent_v1_DeleteAgentRequest, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  
  GetAgent(argument: _spire_api_server_agent_v1_GetAgentRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_spire_api_types_Agent__Output>): grpc.ClientUnaryCall;
  GetAgent(argument: _spire_api_server_agent_v1_GetAgentRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_spire_api_types_Agent__Output>): grpc.ClientUnaryCall;
  GetAgent(argument: _spire_api_server_agent_v1_GetAgentRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_spire_api_types_Agent__Output>): grpc.ClientUnaryCall;
  GetAgent(argument: _spire_api_server_agent_v1_GetAgentRequest, callback: grpc.requestCallback<_spire_api_types_Agent__Output>): grpc.ClientUnaryCall;
  getAgent(argument: _spire_api_server_agent_v1_GetAgentRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_spire_api_types_Agent__Output>): grpc.ClientUnaryCall;
  getAgent(argument: _spire_api_server_agent_v1_GetAgentRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_spire_api_types_Agent__Output>): grpc.ClientUnaryCall;
  getAgent(argument: _spire_api_server_agent_v1_GetAgentRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_spire_api_types_Agent__Output>): grpc.ClientUnaryCall;
  getAgent(argument: _spire_api_server_agent_v1_GetAgentRequest, callback: grpc.requestCallback<_spire_api_types_Agent__Output>): grpc.ClientUnaryCall;
  
  ListAgents(argument: _spire_api_server_agent_v1_ListAgentsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_spire_api_server_agent_v1_ListAgentsResponse__Output>): grpc.ClientUnaryCall;
  ListAgents(argument: _spire_api_server_agent_v1_ListAgentsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_spire_api_server_agent_v1_ListAgentsResponse__Output>): grpc.ClientUnaryCall;
  ListAgents(argument: _spire_api_server_agent_v1_ListAgentsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_spire_api_server_agent_v1_ListAgentsResponse__Output>): grpc.ClientUnaryCall;
  ListAgents(argument: _spire_api_server_agent_v1_ListAgentsRequest, callback: grpc.requestCallback<_spire_api_server_agent_v1_ListAgentsResponse__Output>): grpc.ClientUnaryCall;
  listAgents(argument: _spire_api_server_agent_v1_ListAgentsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_spire_api_server_agent_v1_ListAgentsResponse__Output>): grpc.ClientUnaryCall;
  listAgents(argument: _spire_api_server_agent_v1_ListAgentsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_spire_api_server_agent_v1_ListAgentsResponse__Output>): grpc.ClientUnaryCall;
  listAgents(argument: _spire_api_server_agent_v1_ListAgentsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_spire_api_server_agent_v1_ListAgentsResponse__Output>): grpc.ClientUnaryCall;
  listAgents(argument: _spire_api_server_agent_v1_ListAgentsRequest, callback: grpc.requestCallback<_spire_api_server_agent_v1_ListAgentsResponse__Output>): grpc.ClientUnaryCall;
  
  PostStatus(argument: _spire_api_server_agent_v1_PostStatusRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_spire_api_server_agent_v1_PostStatusResponse__Output>): grpc.ClientUnaryCall;
  PostStatus(argument: _spire_api_server_agent_v1_PostStatusRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_spire_api_server_agent_v1_PostStatusResponse__Output>): grpc.ClientUnaryCall;
  PostStatus(argument: _spire_api_server_agent_v1_PostStatusRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_spire_api_server_agent_v1_PostStatusResponse__Output>): grpc.ClientUnaryCall;
  PostStatus(argument: _spire_api_server_agent_v1_PostStatusRequest, callback: grpc.requestCallback<_spire_api_server_agent_v1_PostStatusResponse__Output>): grpc.ClientUnaryCall;
  postStatus(argument: _spire_api_server_agent_v1_PostStatusRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_spire_api_server_agent_v1_PostStatusResponse__Output>): grpc.ClientUnaryCall;
  postStatus(argument: _spire_api_server_agent_v1_PostStatusRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_spire_api_server_agent_v1_PostStatusResponse__Output>): grpc.ClientUnaryCall;
  postStatus(argument: _spire_api_server_agent_v1_PostStatusRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_spire_api_server_agent_v1_PostStatusResponse__Output>): grpc.ClientUnaryCall;
  postStatus(argument: _spire_api_server_agent_v1_PostStatusRequest, callback: grpc.requestCallback<_spire_api_server_agent_v1_PostStatusResponse__Output>): grpc.ClientUnaryCall;
  
  RenewAgent(argument: _spire_api_server_agent_v1_RenewAgentRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_spire_api_server_agent_v1_RenewAgentResponse__Output>): grpc.ClientUnaryCall;
  RenewAgent(argument: _spire_api_server_agent_v1_RenewAgentRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_spire_api_server_agent_v1_RenewAgentResponse__Output>): grpc.ClientUnaryCall;
  RenewAgent(argument: _spire_api_server_agent_v1_RenewAgentRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_spire_api_server_agent_v1_RenewAgentResponse__Output>): grpc.ClientUnaryCall;
  RenewAgent(argument: _spire_api_server_agent_v1_RenewAgentRequest, callback: grpc.requestCallback<_spire_api_server_agent_v1_RenewAgentResponse__Output>): grpc.ClientUnaryCall;
  renewAgent(argument: _spire_api_server_agent_v1_RenewAgentRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_spire_api_server_agent_v1_RenewAgentResponse__Output>): grpc.ClientUnaryCall;
  renewAgent(argument: _spire_api_server_agent_v1_RenewAgentRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_spire_api_server_agent_v1_RenewAgentResponse__Output>): grpc.ClientUnaryCall;
  renewAgent(argument: _spire_api_server_agent_v1_RenewAgentRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_spire_api_server_agent_v1_RenewAgentResponse__Output>): grpc.ClientUnaryCall;
  renewAgent(argument: _spire_api_server_agent_v1_RenewAgentRequest, callback: grpc.requestCallback<_spire_api_server_agent_v1_RenewAgentResponse__Output>): grpc.ClientUnaryCall;
  
}

export interface AgentHandlers extends grpc.UntypedServiceImplementation {
  AttestAgent: grpc.handleBidiStreamingCall<_spire_api_server_agent_v1_AttestAgentRequest__Output, _spire_api_server_agent_v1_AttestAgentResponse>;
  
  BanAgent: grpc.handleUnaryCall<_spire_api_server_agent_v1_BanAgentRequest__Output, _google_protobuf_Empty>;
  
  CountAgents: grpc.handleUnaryCall<_spire_api_server_agent_v1_CountAgentsRequest__Output, _spire_api_server_agent_v1_CountAgentsResponse>;
  
  CreateJoinToken: grpc.handleUnaryCall<_spire_api_server_agent_v1_CreateJoinTokenRequest__Output, _spire_api_types_JoinToken>;
  
  DeleteAgent: grpc.handleUnaryCall<_spire_api_server_agent_v1_DeleteAgentRequest__Output, _google_protobuf_Empty>;
  
  GetAgent: grpc.handleUnaryCall<_spire_api_server_agent_v1_GetAgentRequest__Output, _spire_api_types_Agent>;
  
  ListAgents: grpc.handleUnaryCall<_spire_api_server_agent_v1_ListAgentsRequest__Output, _spire_api_server_agent_v1_ListAgentsResponse>;
  
  PostStatus: grpc.handleUnaryCall<_spire_api_server_agent_v1_PostStatusRequest__Output, _spire_api_server_agent_v1_PostStatusResponse>;
  
  RenewAgent: grpc.handleUnaryCall<_spire_api_server_agent_v1_RenewAgentRequest__Output, _spire_api_server_agent_v1_RenewAgentResponse>;
  
}

export interface AgentDefinition extends grpc.ServiceDefinition {
  AttestAgent: MethodDefinition<_spire_api_server_agent_v1_AttestAgentRequest, _spire_api_server_agent_v1_AttestAgentResponse, _spire_api_server_agent_v1_AttestAgentRequest__Output, _spire_api_server_agent_v1_AttestAgentResponse__Output>
  BanAgent: MethodDefinition<_spire_api_server_agent_v1_BanAgentRequest, _google_protobuf_Empty, _spire_api_server_agent_v1_BanAgentRequest__Output, _google_protobuf_Empty__Output>
  CountAgents: MethodDefinition<_spire_api_server_agent_v1_CountAgentsRequest, _spire_api_server_agent_v1_CountAgentsResponse, _spire_api_server_agent_v1_CountAgentsRequest__Output, _spire_api_server_agent_v1_CountAgentsResponse__Output>
  CreateJoinToken: MethodDefinition<_spire_api_server_agent_v1_CreateJoinTokenRequest, _spire_api_types_JoinToken, _spire_api_server_agent_v1_CreateJoinTokenRequest__Output, _spire_api_types_JoinToken__Output>
  DeleteAgent: MethodDefinition<_spire_api_server_agent_v1_DeleteAgentRequest, _google_protobuf_Empty, _spire_api_server_agent_v1_DeleteAgentRequest__Output, _google_protobuf_Empty__Output>
  GetAgent: MethodDefinition<_spire_api_server_agent_v1_GetAgentRequest, _spire_api_types_Agent, _spire_api_server_agent_v1_GetAgentRequest__Output, _spire_api_types_Agent__Output>
  ListAgents: MethodDefinition<_spire_api_server_agent_v1_ListAgentsRequest, _spire_api_server_agent_v1_ListAgentsResponse, _spire_api_server_agent_v1_ListAgentsRequest__Output, _spire_api_server_agent_v1_ListAgentsResponse__Output>
  PostStatus: MethodDefinition<_spire_api_server_agent_v1_PostStatusRequest, _spire_api_server_agent_v1_PostStatusResponse, _spire_api_server_agent_v1_PostStatusRequest__Output, _spire_api_server_agent_v1_PostStatusResponse__Output>
  RenewAgent: MethodDefinition<_spire_api_server_agent_v1_RenewAgentRequest, _spire_api_server_agent_v1_RenewAgentResponse, _spire_api_server_agent_v1_RenewAgentRequest__Output, _spire_api_server_agent_v1_RenewAgentResponse__Output>
}
