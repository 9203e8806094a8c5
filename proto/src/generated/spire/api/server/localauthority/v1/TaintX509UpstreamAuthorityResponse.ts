// Original file: protos/spire/api/server/localauthority/v1/localauthority.proto


export interface TaintX509UpstreamAuthorityResponse {
  'upstream_authority_subject_key_id'?: (string);
}

export interface TaintX509UpstreamAuthorityResponse__Output {
  'upstream_authority_subject_key_id': (string);
}
