// Original file: protos/spire/api/server/localauthority/v1/localauthority.proto


export interface TaintX509UpstreamAuthorityRequest {
  'subject_key_id'?: (string);
}

export interface TaintX509UpstreamAuthorityRequest__Output {
  'subject_key_id': (string);
}
