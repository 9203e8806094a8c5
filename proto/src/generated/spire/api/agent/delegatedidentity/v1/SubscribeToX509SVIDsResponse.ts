// Original file: protos/spire/api/agent/delegatedidentity/v1/delegatedidentity.proto

import type { X509SVIDWithKey as _spire_api_agent_delegatedidentity_v1_X509SVIDWithKey, X509SVIDWithKey__Output as _spire_api_agent_delegatedidentity_v1_X509SVIDWithKey__Output } from '../../../../../spire/api/agent/delegatedidentity/v1/X509SVIDWithKey';

export interface SubscribeToX509SVIDsResponse {
  'x509_svids'?: (_spire_api_agent_delegatedidentity_v1_X509SVIDWithKey)[];
  'federates_with'?: (string)[];
}

export interface SubscribeToX509SVIDsResponse__Output {
  'x509_svids': (_spire_api_agent_delegatedidentity_v1_X509SVIDWithKey__Output)[];
  'federates_with': (string)[];
}
