// Original file: protos/spire/api/agent/delegatedidentity/v1/delegatedidentity.proto


export interface SubscribeToJWTBundlesResponse {
  'bundles'?: ({[key: string]: Buffer | Uint8Array | string});
}

export interface SubscribeToJWTBundlesResponse__Output {
  'bundles': ({[key: string]: Buffer});
}
