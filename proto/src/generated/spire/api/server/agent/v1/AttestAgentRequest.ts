// Original file: protos/spire/api/server/agent/v1/agent.proto

import type { AttestationData as _spire_api_types_AttestationData, AttestationData__Output as _spire_api_types_AttestationData__Output } from '../../../../../spire/api/types/AttestationData';
import type { AgentX509SVIDParams as _spire_api_server_agent_v1_AgentX509SVIDParams, AgentX509SVIDParams__Output as _spire_api_server_agent_v1_AgentX509SVIDParams__Output } from '../../../../../spire/api/server/agent/v1/AgentX509SVIDParams';

export interface _spire_api_server_agent_v1_AttestAgentRequest_Params {
  'data'?: (_spire_api_types_AttestationData | null);
  'params'?: (_spire_api_server_agent_v1_AgentX509SVIDParams | null);
}

export interface _spire_api_server_agent_v1_AttestAgentRequest_Params__Output {
  'data': (_spire_api_types_AttestationData__Output | null);
  'params': (_spire_api_server_agent_v1_AgentX509SVIDParams__Output | null);
}

export interface AttestAgentRequest {
  'params'?: (_spire_api_server_agent_v1_AttestAgentRequest_Params | null);
  'challenge_response'?: (Buffer | Uint8Array | string);
  'step'?: "params"|"challenge_response";
}

export interface AttestAgentRequest__Output {
  'params'?: (_spire_api_server_agent_v1_AttestAgentRequest_Params__Output | null);
  'challenge_response'?: (Buffer);
  'step'?: "params"|"challenge_response";
}
