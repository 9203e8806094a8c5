/** Server configuration: SPIRE `server.conf` (HCL or JSON) to a typed, validated {@link ServerConfig}. */
export {
  loadServerConfig,
  parseServerConfig,
  serverConfigFromParsed,
  DEFAULT_SERVER_CONFIG_PATH,
  type LoadServerConfigOptions,
} from './load';
export { validateServerConfig, serverConfigWarnings } from './validate';
export { applyServerFlags, type ServerFlagOverrides } from './overrides';
export { SERVER_DEFAULTS, ttlWarnings } from './server-section';
export { BUNDLE_ENDPOINT_DEFAULTS, bundleEndpointUrlProblem } from './federation-section';
export {
  serverFileSchema,
  serverSectionSchema,
  SERVER_KEY_TYPES,
  SERVER_PLUGIN_TYPES,
  type ServerFile,
} from './schema';
export type {
  ServerConfig,
  ServerSection,
  ServerPlugins,
  ServerKeyType,
  DataStoreConfig,
  KeyManagerConfig,
  UpstreamAuthorityConfig,
  NodeAttestorBlock,
  LoadedServerConfig,
  FederationConfig,
  BundleEndpointConfig,
  BundleEndpointServingProfile,
  FederatesWithConfig,
} from './types';
