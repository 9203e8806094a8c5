// Original file: protos/spire/api/server/debug/v1/debug.proto

import type { SPIFFEID as _spire_api_types_SPIFFEID, SPIFFEID__Output as _spire_api_types_SPIFFEID__Output } from '../../../../../spire/api/types/SPIFFEID';
import type { Long } from '@grpc/proto-loader';

export interface _spire_api_server_debug_v1_GetInfoResponse_Cert {
  'id'?: (_spire_api_types_SPIFFEID | null);
  'expires_at'?: (number | string | Long);
  'subject'?: (string);
}

export interface _spire_api_server_debug_v1_GetInfoResponse_Cert__Output {
  'id': (_spire_api_types_SPIFFEID__Output | null);
  'expires_at': (number);
  'subject': (string);
}

export interface GetInfoResponse {
  'svid_chain'?: (_spire_api_server_debug_v1_GetInfoResponse_Cert)[];
  'uptime'?: (number);
  'agents_count'?: (number);
  'federated_bundles_count'?: (number);
  'entries_count'?: (number);
}

export interface GetInfoResponse__Output {
  'svid_chain': (_spire_api_server_debug_v1_GetInfoResponse_Cert__Output)[];
  'uptime': (number);
  'agents_count': (number);
  'federated_bundles_count': (number);
  'entries_count': (number);
}
