// Original file: protos/spire/api/server/agent/v1/agent.proto


export interface PostStatusResponse {
}

export interface PostStatusResponse__Output {
}
