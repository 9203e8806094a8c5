// Original file: protos/spire/api/agent/delegatedidentity/v1/delegatedidentity.proto

import type { Selector as _spire_api_types_Selector, Selector__Output as _spire_api_types_Selector__Output } from '../../../../../spire/api/types/Selector';

export interface FetchJWTSVIDsRequest {
  'audience'?: (string)[];
  'selectors'?: (_spire_api_types_Selector)[];
  'pid'?: (number);
}

export interface FetchJWTSVIDsRequest__Output {
  'audience': (string)[];
  'selectors': (_spire_api_types_Selector__Output)[];
  'pid': (number);
}
