// Original file: protos/spire/api/server/agent/v1/agent.proto

import type { AgentMask as _spire_api_types_AgentMask, AgentMask__Output as _spire_api_types_AgentMask__Output } from '../../../../../spire/api/types/AgentMask';
import type { SelectorMatch as _spire_api_types_SelectorMatch, SelectorMatch__Output as _spire_api_types_SelectorMatch__Output } from '../../../../../spire/api/types/SelectorMatch';
import type { BoolValue as _google_protobuf_BoolValue, BoolValue__Output as _google_protobuf_BoolValue__Output } from '../../../../../google/protobuf/BoolValue';

export interface _spire_api_server_agent_v1_ListAgentsRequest_Filter {
  'by_attestation_type'?: (string);
  'by_selector_match'?: (_spire_api_types_SelectorMatch | null);
  'by_banned'?: (_google_protobuf_BoolValue | null);
  'by_can_reattest'?: (_google_protobuf_BoolValue | null);
  'by_expires_before'?: (string);
}

export interface _spire_api_server_agent_v1_ListAgentsRequest_Filter__Output {
  'by_attestation_type': (string);
  'by_selector_match': (_spire_api_types_SelectorMatch__Output | null);
  'by_banned': (_google_protobuf_BoolValue__Output | null);
  'by_can_reattest': (_google_protobuf_BoolValue__Output | null);
  'by_expires_before': (string);
}

export interface ListAgentsRequest {
  'filter'?: (_spire_api_server_agent_v1_ListAgentsRequest_Filter | null);
  'output_mask'?: (_spire_api_types_AgentMask | null);
  'page_size'?: (number);
  'page_token'?: (string);
}

export interface ListAgentsRequest__Output {
  'filter': (_spire_api_server_agent_v1_ListAgentsRequest_Filter__Output | null);
  'output_mask': (_spire_api_types_AgentMask__Output | null);
  'page_size': (number);
  'page_token': (string);
}
