/**
 * @lanyard/oidc-discovery: the `lanyard-oidc-discovery-provider` — the trust domain's JWT signing keys as an
 * OIDC discovery document and JWKS, so AWS, GCP and Azure can verify JWT-SVIDs, configured like SPIRE's provider.
 */
export * from './config/types';
export { loadOidcConfig, oidcConfigFromParsed, parseListenAddress } from './config/load';
export { buildJwks, algorithmOf, type ServedJwk } from './keys/jwks';
export { PollingKeySource, type KeySet } from './keys/key-source';
export { createHandler, requestHost, type HandlerOptions } from './http/handler';
export { startProvider, healthThresholdMs, type RunningProvider } from './provider';
