// Original file: protos/spire/api/server/localauthority/v1/localauthority.proto


export interface RevokeX509AuthorityRequest {
  'authority_id'?: (string);
}

export interface RevokeX509AuthorityRequest__Output {
  'authority_id': (string);
}
