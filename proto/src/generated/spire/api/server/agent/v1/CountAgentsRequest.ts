// Original file: protos/spire/api/server/agent/v1/agent.proto

import type { SelectorMatch as _spire_api_types_SelectorMatch, SelectorMatch__Output as _spire_api_types_SelectorMatch__Output } from '../../../../../spire/api/types/SelectorMatch';
import type { BoolValue as _google_protobuf_BoolValue, BoolValue__Output as _google_protobuf_BoolValue__Output } from '../../../../../google/protobuf/BoolValue';

export interface _spire_api_server_agent_v1_CountAgentsRequest_Filter {
  'by_attestation_type'?: (string);
  'by_selector_match'?: (_spire_api_types_SelectorMatch | null);
  'by_banned'?: (_google_protobuf_BoolValue | null);
  'by_can_reattest'?: (_google_protobuf_BoolValue | null);
  'by_expires_before'?: (string);
}

export interface _spire_api_server_agent_v1_CountAgentsRequest_Filter__Output {
  'by_attestation_type': (string);
  'by_selector_match': (_spire_api_types_SelectorMatch__Output | null);
  'by_banned': (_google_protobuf_BoolValue__Output | null);
  'by_can_reattest': (_google_protobuf_BoolValue__Output | null);
  'by_expires_before': (string);
}

export interface CountAgentsRequest {
  'filter'?: (_spire_api_server_agent_v1_CountAgentsRequest_Filter | null);
}

export interface CountAgentsRequest__Output {
  'filter': (_spire_api_server_agent_v1_CountAgentsRequest_Filter__Output | null);
}
