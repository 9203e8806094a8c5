// Original file: protos/spire/api/server/localauthority/v1/localauthority.proto


export interface ActivateX509AuthorityRequest {
  'authority_id'?: (string);
}

export interface ActivateX509AuthorityRequest__Output {
  'authority_id': (string);
}
