// Original file: protos/spire/api/agent/delegatedidentity/v1/delegatedidentity.proto


export interface SubscribeToX509BundlesResponse {
  'ca_certificates'?: ({[key: string]: Buffer | Uint8Array | string});
}

export interface SubscribeToX509BundlesResponse__Output {
  'ca_certificates': ({[key: string]: Buffer});
}
