// Original file: protos/spire/api/agent/delegatedidentity/v1/delegatedidentity.proto


export interface SubscribeToJWTBundlesRequest {
}

export interface SubscribeToJWTBundlesRequest__Output {
}
