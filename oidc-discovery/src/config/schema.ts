/** The provider's config file schema: SPIRE's OIDC Discovery Provider keys, all at the top level. */
import { field } from '@lanyard/common';

/** `health_checks {}`: present means enabled (SPIRE's provider has no `listener_enabled`). */
export const oidcHealthSchema = field.object('health_checks', {
  bind_port: field.int({ min: 0, max: 65535 }),
  ready_path: field.string(),
  live_path: field.string(),
});

/** The whole file. */
export const oidcFileSchema = field.object('oidc discovery provider', {
  log_level: field.string(),
  log_format: field.string(),
  log_path: field.string(),
  log_requests: field.bool(),
  domains: field.stringList(),
  acme: field.raw(),
  serving_cert_file: field.object('serving_cert_file', {
    cert_file_path: field.string({
      required: 'cert_file_path must be configured in the serving_cert_file block',
    }),
    key_file_path: field.string({
      required: 'key_file_path must be configured in the serving_cert_file block',
    }),
    file_sync_interval: field.duration(),
    addr: field.string(),
  }),
  listen_socket_path: field.string(),
  insecure_addr: field.string(),
  allow_insecure_scheme: field.bool(),
  server_api: field.object('server_api', {
    address: field.string({ required: 'address must be configured in the server_api block' }),
    poll_interval: field.duration(),
  }),
  workload_api: field.object('workload_api', {
    socket_path: field.string({ required: 'socket_path must be configured in the workload_api block' }),
    trust_domain: field.string({ required: 'trust_domain must be configured in the workload_api block' }),
    poll_interval: field.duration(),
  }),
  file: field.object('file', {
    path: field.string({ required: 'path must be configured in the file block' }),
    poll_interval: field.duration(),
  }),
  health_checks: oidcHealthSchema,
  jwt_issuer: field.string(),
  jwks_uri: field.string(),
  set_key_use: field.bool(),
  server_path_prefix: field.string(),
});
