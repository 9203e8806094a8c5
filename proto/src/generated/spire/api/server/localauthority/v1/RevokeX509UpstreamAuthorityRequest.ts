// Original file: protos/spire/api/server/localauthority/v1/localauthority.proto


export interface RevokeX509UpstreamAuthorityRequest {
  'subject_key_id'?: (string);
}

export interface RevokeX509UpstreamAuthorityRequest__Output {
  'subject_key_id': (string);
}
