// Original file: protos/spire/api/server/localauthority/v1/localauthority.proto


export interface RevokeJWTAuthorityRequest {
  'authority_id'?: (string);
}

export interface RevokeJWTAuthorityRequest__Output {
  'authority_id': (string);
}
