// Original file: protos/spire/api/agent/delegatedidentity/v1/delegatedidentity.proto

import type { JWTSVID as _spire_api_types_JWTSVID, JWTSVID__Output as _spire_api_types_JWTSVID__Output } from '../../../../../spire/api/types/JWTSVID';

export interface FetchJWTSVIDsResponse {
  'svids'?: (_spire_api_types_JWTSVID)[];
}

export interface FetchJWTSVIDsResponse__Output {
  'svids': (_spire_api_types_JWTSVID__Output)[];
}
