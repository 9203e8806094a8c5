// Original file: protos/spire/api/agent/delegatedidentity/v1/delegatedidentity.proto


export interface SubscribeToX509BundlesRequest {
}

export interface SubscribeToX509BundlesRequest__Output {
}
