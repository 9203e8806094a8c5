// Original file: protos/spire/api/server/agent/v1/agent.proto

import type { Long } from '@grpc/proto-loader';

export interface PostStatusRequest {
  'current_bundle_serial'?: (number | string | Long);
  'agent_version'?: (string);
}

export interface PostStatusRequest__Output {
  'current_bundle_serial': (number);
  'agent_version': (string);
}
