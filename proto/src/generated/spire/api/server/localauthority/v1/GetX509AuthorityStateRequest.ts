// Original file: protos/spire/api/server/localauthority/v1/localauthority.proto


export interface GetX509AuthorityStateRequest {
}

export interface GetX509AuthorityStateRequest__Output {
}
