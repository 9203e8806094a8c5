// Original file: protos/spire/api/agent/logger/v1/logger.proto


export interface GetLoggerRequest {
}

export interface GetLoggerRequest__Output {
}
