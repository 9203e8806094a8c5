/** The daemon's config file schema: spiffe-helper's keys, all at the top level, plus Lanyard's `aws` block. */
import { field } from '@lanyard/common';

/** `health_checks {}` as spiffe-helper names its keys. */
export const helperHealthSchema = field.object('health_checks', {
  listener_enabled: field.bool(),
  bind_port: field.int({ min: 0, max: 65535 }),
  liveness_path: field.string(),
  readiness_path: field.string(),
});

/** The whole file. */
export const helperFileSchema = field.object('helper', {
  agent_address: field.string(),
  cmd: field.string(),
  cmd_args: field.string(),
  pid_file_name: field.string(),
  cert_dir: field.string(),
  daemon_mode: field.bool(),
  exit_when_ready: field.bool(),
  add_intermediates_to_bundle: field.bool(),
  renew_signal: field.string(),
  svid_file_name: field.string(),
  svid_key_file_name: field.string(),
  svid_bundle_file_name: field.string(),
  jwt_svids: field.raw(),
  jwt_bundle_file_name: field.string(),
  include_federated_domains: field.bool(),
  cert_file_mode: field.int({ min: 0, max: 0o777 }),
  key_file_mode: field.int({ min: 0, max: 0o777 }),
  jwt_bundle_file_mode: field.int({ min: 0, max: 0o777 }),
  jwt_svid_file_mode: field.int({ min: 0, max: 0o777 }),
  hint: field.string(),
  health_checks: helperHealthSchema,
  aws_container_credentials: field.object('aws_container_credentials', {
    role_arn: field.string({
      required: 'role_arn must be configured in the aws_container_credentials block',
    }),
    audience: field.string(),
    region: field.string(),
    sts_endpoint: field.string(),
    session_name: field.string(),
    duration_seconds: field.int({ min: 900, max: 43200 }),
    bind_port: field.int({ min: 0, max: 65535 }),
    authorization_token_file: field.string({
      required: 'authorization_token_file must be configured in the aws_container_credentials block',
    }),
  }),
});
