// Original file: protos/spire/api/server/agent/v1/agent.proto

import type { AgentX509SVIDParams as _spire_api_server_agent_v1_AgentX509SVIDParams, AgentX509SVIDParams__Output as _spire_api_server_agent_v1_AgentX509SVIDParams__Output } from '../../../../../spire/api/server/agent/v1/AgentX509SVIDParams';

export interface RenewAgentRequest {
  'params'?: (_spire_api_server_agent_v1_AgentX509SVIDParams | null);
}

export interface RenewAgentRequest__Output {
  'params': (_spire_api_server_agent_v1_AgentX509SVIDParams__Output | null);
}
