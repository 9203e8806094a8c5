// Original file: protos/spire/api/types/jointoken.proto

import type { Long } from '@grpc/proto-loader';

export interface JoinToken {
  'value'?: (string);
  'expires_at'?: (number | string | Long);
}

export interface JoinToken__Output {
  'value': (string);
  'expires_at': (number);
}
