// Original file: protos/spire/api/server/localauthority/v1/localauthority.proto


export interface PrepareWITAuthorityRequest {
}

export interface PrepareWITAuthorityRequest__Output {
}
