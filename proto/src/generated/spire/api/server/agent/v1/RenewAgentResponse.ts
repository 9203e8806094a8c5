// Original file: protos/spire/api/server/agent/v1/agent.proto

import type { X509SVID as _spire_api_types_X509SVID, X509SVID__Output as _spire_api_types_X509SVID__Output } from '../../../../../spire/api/types/X509SVID';

export interface RenewAgentResponse {
  'svid'?: (_spire_api_types_X509SVID | null);
}

export interface RenewAgentResponse__Output {
  'svid': (_spire_api_types_X509SVID__Output | null);
}
