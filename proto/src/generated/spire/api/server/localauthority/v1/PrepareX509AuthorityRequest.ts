// Original file: protos/spire/api/server/localauthority/v1/localauthority.proto


export interface PrepareX509AuthorityRequest {
}

export interface PrepareX509AuthorityRequest__Output {
}
