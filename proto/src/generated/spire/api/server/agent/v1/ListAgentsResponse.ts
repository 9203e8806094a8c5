// Original file: protos/spire/api/server/agent/v1/agent.proto

import type { Agent as _spire_api_types_Agent, Agent__Output as _spire_api_types_Agent__Output } from '../../../../../spire/api/types/Agent';

export interface ListAgentsResponse {
  'agents'?: (_spire_api_types_Agent)[];
  'next_page_token'?: (string);
}

export interface ListAgentsResponse__Output {
  'agents': (_spire_api_types_Agent__Output)[];
  'next_page_token': (string);
}
