// Original file: protos/spire/api/server/localauthority/v1/localauthority.proto

import type { AuthorityState as _spire_api_server_localauthority_v1_AuthorityState, AuthorityState__Output as _spire_api_server_localauthority_v1_AuthorityState__Output } from '../../../../../spire/api/server/localauthority/v1/AuthorityState';

export interface ActivateX509AuthorityResponse {
  'activated_authority'?: (_spire_api_server_localauthority_v1_AuthorityState | null);
}

export interface ActivateX509AuthorityResponse__Output {
  'activated_authority': (_spire_api_server_localauthority_v1_AuthorityState__Output | null);
}
