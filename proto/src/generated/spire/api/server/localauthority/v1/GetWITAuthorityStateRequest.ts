// Original file: protos/spire/api/server/localauthority/v1/localauthority.proto


export interface GetWITAuthorityStateRequest {
}

export interface GetWITAuthorityStateRequest__Output {
}
