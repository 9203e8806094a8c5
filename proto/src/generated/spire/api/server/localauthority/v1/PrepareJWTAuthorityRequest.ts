// Original file: protos/spire/api/server/localauthority/v1/localauthority.proto


export interface PrepareJWTAuthorityRequest {
}

export interface PrepareJWTAuthorityRequest__Output {
}
