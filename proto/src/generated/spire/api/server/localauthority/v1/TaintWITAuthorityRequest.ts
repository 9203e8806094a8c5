// Original file: protos/spire/api/server/localauthority/v1/localauthority.proto


export interface TaintWITAuthorityRequest {
  'authority_id'?: (string);
}

export interface TaintWITAuthorityRequest__Output {
  'authority_id': (string);
}
