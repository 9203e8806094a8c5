// Original file: protos/spire/api/agent/delegatedidentity/v1/delegatedidentity.proto

import type { X509SVID as _spire_api_types_X509SVID, X509SVID__Output as _spire_api_types_X509SVID__Output } from '../../../../../spire/api/types/X509SVID';

export interface X509SVIDWithKey {
  'x509_svid'?: (_spire_api_types_X509SVID | null);
  'x509_svid_key'?: (Buffer | Uint8Array | string);
}

export interface X509SVIDWithKey__Output {
  'x509_svid': (_spire_api_types_X509SVID__Output | null);
  'x509_svid_key': (Buffer);
}
