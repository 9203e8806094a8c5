// Original file: protos/envoy/extensions/transport_sockets/tls/v3/common.proto

import type { DataSource as _envoy_config_core_v3_DataSource, DataSource__Output as _envoy_config_core_v3_DataSource__Output } from '../../../../../envoy/config/core/v3/DataSource';
import type { WatchedDirectory as _envoy_config_core_v3_WatchedDirectory, WatchedDirectory__Output as _envoy_config_core_v3_WatchedDirectory__Output } from '../../../../../envoy/config/core/v3/WatchedDirectory';

export interface TlsCertificate {
  'certificate_chain'?: (_envoy_config_core_v3_DataSource | null);
  'private_key'?: (_envoy_config_core_v3_DataSource | null);
  'password'?: (_envoy_config_core_v3_DataSource | null);
  'ocsp_staple'?: (_envoy_config_core_v3_DataSource | null);
  'signed_certificate_timestamp'?: (_envoy_config_core_v3_DataSource)[];
  'watched_directory'?: (_envoy_config_core_v3_WatchedDirectory | null);
}

export interface TlsCertificate__Output {
  'certificate_chain': (_envoy_config_core_v3_DataSource__Output | null);
  'private_key': (_envoy_config_core_v3_DataSource__Output | null);
  'password': (_envoy_config_core_v3_DataSource__Output | null);
  'ocsp_staple': (_envoy_config_core_v3_DataSource__Output | null);
  'signed_certificate_timestamp': (_envoy_config_core_v3_DataSource__Output)[];
  'watched_directory': (_envoy_config_core_v3_WatchedDirectory__Output | null);
}
