// Original file: protos/spire/api/server/svid/v1/svid.proto

import type { JWTSVID as _spire_api_types_JWTSVID, JWTSVID__Output as _spire_api_types_JWTSVID__Output } from '../../../../../spire/api/types/JWTSVID';

export interface MintJWTSVIDResponse {
  'svid'?: (_spire_api_types_JWTSVID | null);
}

export interface MintJWTSVIDResponse__Output {
  'svid': (_spire_api_types_JWTSVID__Output | null);
}
