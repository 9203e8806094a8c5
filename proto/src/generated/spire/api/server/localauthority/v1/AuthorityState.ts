// Original file: protos/spire/api/server/localauthority/v1/localauthority.proto

import type { Long } from '@grpc/proto-loader';

export interface AuthorityState {
  'authority_id'?: (string);
  'expires_at'?: (number | string | Long);
  'upstream_authority_subject_key_id'?: (string);
}

export interface AuthorityState__Output {
  'authority_id': (string);
  'expires_at': (number);
  'upstream_authority_subject_key_id': (string);
}
