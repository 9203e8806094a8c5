// Original file: protos/spire/api/agent/debug/v1/debug.proto

import type { SPIFFEID as _spire_api_types_SPIFFEID, SPIFFEID__Output as _spire_api_types_SPIFFEID__Output } from '../../../../spire/api/types/SPIFFEID';
import type { Long } from '@grpc/proto-loader';

export interface _spire_agent_debug_v1_GetInfoResponse_Cert {
  'id'?: (_spire_api_types_SPIFFEID | null);
  'expires_at'?: (number | string | Long);
  'subject'?: (string);
}

export interface _spire_agent_debug_v1_GetInfoResponse_Cert__Output {
  'id': (_spire_api_types_SPIFFEID__Output | null);
  'expires_at': (number);
  'subject': (string);
}

export interface GetInfoResponse {
  'svid_chain'?: (_spire_agent_debug_v1_GetInfoResponse_Cert)[];
  'uptime'?: (number);
  'svids_count'?: (number);
  'last_sync_success'?: (number | string | Long);
  'cached_x509_svids_count'?: (number);
  'cached_jwt_svids_count'?: (number);
  'cached_svidstore_x509_svids_count'?: (number);
}

export interface GetInfoResponse__Output {
  'svid_chain': (_spire_agent_debug_v1_GetInfoResponse_Cert__Output)[];
  'uptime': (number);
  'svids_count': (number);
  'last_sync_success': (number);
  'cached_x509_svids_count': (number);
  'cached_jwt_svids_count': (number);
  'cached_svidstore_x509_svids_count': (number);
}
