// Original file: protos/spire/api/server/agent/v1/agent.proto

import type { SPIFFEID as _spire_api_types_SPIFFEID, SPIFFEID__Output as _spire_api_types_SPIFFEID__Output } from '../../../../../spire/api/types/SPIFFEID';

export interface DeleteAgentRequest {
  'id'?: (_spire_api_types_SPIFFEID | null);
}

export interface DeleteAgentRequest__Output {
  'id': (_spire_api_types_SPIFFEID__Output | null);
}
