// Original file: protos/spire/api/server/logger/v1/logger.proto


export interface ResetLogLevelRequest {
}

export interface ResetLogLevelRequest__Output {
}
