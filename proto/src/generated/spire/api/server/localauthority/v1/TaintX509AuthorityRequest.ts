// Original file: protos/spire/api/server/localauthority/v1/localauthority.proto


export interface TaintX509AuthorityRequest {
  'authority_id'?: (string);
}

export interface TaintX509AuthorityRequest__Output {
  'authority_id': (string);
}
