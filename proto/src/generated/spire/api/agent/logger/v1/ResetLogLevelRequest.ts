// Original file: protos/spire/api/agent/logger/v1/logger.proto


export interface ResetLogLevelRequest {
}

export interface ResetLogLevelRequest__Output {
}
