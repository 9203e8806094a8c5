// Original file: protos/spire/api/agent/debug/v1/debug.proto


export interface GetInfoRequest {
}

export interface GetInfoRequest__Output {
}
