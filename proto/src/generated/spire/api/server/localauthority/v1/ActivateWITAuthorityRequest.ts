// Original file: protos/spire/api/server/localauthority/v1/localauthority.proto


export interface ActivateWITAuthorityRequest {
  'authority_id'?: (string);
}

export interface ActivateWITAuthorityRequest__Output {
  'authority_id': (string);
}
