// Original file: protos/spire/api/server/bundle/v1/bundle.proto

import type { Status as _spire_api_types_Status, Status__Output as _spire_api_types_Status__Output } from '../../../../../spire/api/types/Status';
import type { Bundle as _spire_api_types_Bundle, Bundle__Output as _spire_api_types_Bundle__Output } from '../../../../../spire/api/types/Bundle';

export interface _spire_api_server_bundle_v1_BatchUpdateFederatedBundleResponse_Result {
  'status'?: (_spire_api_types_Status | null);
  'bundle'?: (_spire_api_types_Bundle | null);
}

export interface _spire_api_server_bundle_v1_BatchUpdateFederatedBundleResponse_Result__Output {
  'status': (_spire_api_types_Status__Output | null);
  'bundle': (_spire_api_types_Bundle__Output | null);
}

export interface BatchUpdateFederatedBundleResponse {
  'results'?: (_spire_api_server_bundle_v1_BatchUpdateFederatedBundleResponse_Result)[];
}

export interface BatchUpdateFederatedBundleResponse__Output {
  'results': (_spire_api_server_bundle_v1_BatchUpdateFederatedBundleResponse_Result__Output)[];
}
