// Original file: protos/spire/api/server/agent/v1/agent.proto


export interface CountAgentsResponse {
  'count'?: (number);
}

export interface CountAgentsResponse__Output {
  'count': (number);
}
