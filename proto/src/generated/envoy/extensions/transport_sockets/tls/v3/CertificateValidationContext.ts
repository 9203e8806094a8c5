// Original file: protos/envoy/extensions/transport_sockets/tls/v3/common.proto

import type { DataSource as _envoy_config_core_v3_DataSource, DataSource__Output as _envoy_config_core_v3_DataSource__Output } from '../../../../../envoy/config/core/v3/DataSource';
import type { WatchedDirectory as _envoy_config_core_v3_WatchedDirectory, WatchedDirectory__Output as _envoy_config_core_v3_WatchedDirectory__Output } from '../../../../../envoy/config/core/v3/WatchedDirectory';
import type { TypedExtensionConfig as _envoy_config_core_v3_TypedExtensionConfig, TypedExtensionConfig__Output as _envoy_config_core_v3_TypedExtensionConfig__Output } from '../../../../../envoy/config/core/v3/TypedExtensionConfig';

export interface CertificateValidationContext {
  'trusted_ca'?: (_envoy_config_core_v3_DataSource | null);
  'verify_certificate_hash'?: (string)[];
  'verify_certificate_spki'?: (string)[];
  'crl'?: (_envoy_config_core_v3_DataSource | null);
  'allow_expired_certificate'?: (boolean);
  'watched_directory'?: (_envoy_config_core_v3_WatchedDirectory | null);
  'custom_validator_config'?: (_envoy_config_core_v3_TypedExtensionConfig | null);
  'only_verify_leaf_cert_crl'?: (boolean);
}

export interface CertificateValidationContext__Output {
  'trusted_ca': (_envoy_config_core_v3_DataSource__Output | null);
  'verify_certificate_hash': (string)[];
  'verify_certificate_spki': (string)[];
  'crl': (_envoy_config_core_v3_DataSource__Output | null);
  'allow_expired_certificate': (boolean);
  'watched_directory': (_envoy_config_core_v3_WatchedDirectory__Output | null);
  'custom_validator_config': (_envoy_config_core_v3_TypedExtensionConfig__Output | null);
  'only_verify_leaf_cert_crl': (boolean);
}
