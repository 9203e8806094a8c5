// Original file: protos/spire/api/agent/delegatedidentity/v1/delegatedidentity.proto

import type { Selector as _spire_api_types_Selector, Selector__Output as _spire_api_types_Selector__Output } from '../../../../../spire/api/types/Selector';

export interface SubscribeToX509SVIDsRequest {
  'selectors'?: (_spire_api_types_Selector)[];
  'pid'?: (number);
}

export interface SubscribeToX509SVIDsRequest__Output {
  'selectors': (_spire_api_types_Selector__Output)[];
  'pid': (number);
}
