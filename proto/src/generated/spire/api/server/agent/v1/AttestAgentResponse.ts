// Original file: protos/spire/api/server/agent/v1/agent.proto

import type { X509SVID as _spire_api_types_X509SVID, X509SVID__Output as _spire_api_types_X509SVID__Output } from '../../../../../spire/api/types/X509SVID';

export interface _spire_api_server_agent_v1_AttestAgentResponse_Result {
  'svid'?: (_spire_api_types_X509SVID | null);
  'reattestable'?: (boolean);
}

export interface _spire_api_server_agent_v1_AttestAgentResponse_Result__Output {
  'svid': (_spire_api_types_X509SVID__Output | null);
  'reattestable': (boolean);
}

export interface AttestAgentResponse {
  'result'?: (_spire_api_server_agent_v1_AttestAgentResponse_Result | null);
  'challenge'?: (Buffer | Uint8Array | string);
  'step'?: "result"|"challenge";
}

export interface AttestAgentResponse__Output {
  'result'?: (_spire_api_server_agent_v1_AttestAgentResponse_Result__Output | null);
  'challenge'?: (Buffer);
  'step'?: "result"|"challenge";
}
