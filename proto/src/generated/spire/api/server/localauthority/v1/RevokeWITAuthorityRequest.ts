// Original file: protos/spire/api/server/localauthority/v1/localauthority.proto


export interface RevokeWITAuthorityRequest {
  'authority_id'?: (string);
}

export interface RevokeWITAuthorityRequest__Output {
  'authority_id': (string);
}
