// Original file: protos/spire/api/server/localauthority/v1/localauthority.proto


export interface ActivateJWTAuthorityRequest {
  'authority_id'?: (string);
}

export interface ActivateJWTAuthorityRequest__Output {
  'authority_id': (string);
}
