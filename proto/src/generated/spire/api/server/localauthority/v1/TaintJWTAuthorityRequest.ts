// Original file: protos/spire/api/server/localauthority/v1/localauthority.proto


export interface TaintJWTAuthorityRequest {
  'authority_id'?: (string);
}

export interface TaintJWTAuthorityRequest__Output {
  'authority_id': (string);
}
