// Original file: protos/spire/api/server/localauthority/v1/localauthority.proto


export interface GetJWTAuthorityStateRequest {
}

export interface GetJWTAuthorityStateRequest__Output {
}
