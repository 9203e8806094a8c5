// Original file: protos/spire/api/server/agent/v1/agent.proto

import type { SPIFFEID as _spire_api_types_SPIFFEID, SPIFFEID__Output as _spire_api_types_SPIFFEID__Output } from '../../../../../spire/api/types/SPIFFEID';

export interface CreateJoinTokenRequest {
  'ttl'?: (number);
  'token'?: (string);
  'agent_id'?: (_spire_api_types_SPIFFEID | null);
}

export interface CreateJoinTokenRequest__Output {
  'ttl': (number);
  'token': (string);
  'agent_id': (_spire_api_types_SPIFFEID__Output | null);
}
