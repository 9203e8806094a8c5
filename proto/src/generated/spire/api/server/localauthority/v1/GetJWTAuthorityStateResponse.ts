// Original file: protos/spire/api/server/localauthority/v1/localauthority.proto

import type { AuthorityState as _spire_api_server_localauthority_v1_AuthorityState, AuthorityState__Output as _spire_api_server_localauthority_v1_AuthorityState__Output } from '../../../../../spire/api/server/localauthority/v1/AuthorityState';

export interface GetJWTAuthorityStateResponse {
  'active'?: (_spire_api_server_localauthority_v1_AuthorityState | null);
  'prepared'?: (_spire_api_server_localauthority_v1_AuthorityState | null);
  'old'?: (_spire_api_server_localauthority_v1_AuthorityState | null);
}

export interface GetJWTAuthorityStateResponse__Output {
  'active': (_spire_api_server_localauthority_v1_AuthorityState__Output | null);
  'prepared': (_spire_api_server_localauthority_v1_AuthorityState__Output | null);
  'old': (_spire_api_server_localauthority_v1_AuthorityState__Output | null);
}
