// Original file: protos/spire/api/server/agent/v1/agent.proto

import type { SPIFFEID as _spire_api_types_SPIFFEID, SPIFFEID__Output as _spire_api_types_SPIFFEID__Output } from '../../../../../spire/api/types/SPIFFEID';
import type { AgentMask as _spire_api_types_AgentMask, AgentMask__Output as _spire_api_types_AgentMask__Output } from '../../../../../spire/api/types/AgentMask';

export interface GetAgentRequest {
  'id'?: (_spire_api_types_SPIFFEID | null);
  'output_mask'?: (_spire_api_types_AgentMask | null);
}

export interface GetAgentRequest__Output {
  'id': (_spire_api_types_SPIFFEID__Output | null);
  'output_mask': (_spire_api_types_AgentMask__Output | null);
}
