/** Trust bundles (SPIFFE.md §4): X.509, JWT and SPIFFE bundles, bundle sets and source interfaces. */
export { BundleError, type BundleErrorCode } from '../errors/bundle-error';
export type { X509BundleSource, JwtBundleSource } from './source';
export { X509Bundle } from './x509-bundle';
export { JwtBundle } from './jwt-bundle';
export { SpiffeBundle, type SpiffeBundleInit } from './spiffe-bundle';
export { type AuthorityMetadata, PLAIN_AUTHORITY } from './authority-metadata';
export { ParsedAuthorities } from './parsed-authorities';
export { X509BundleSet, JwtBundleSet, SpiffeBundleSet } from './bundle-set';
export { type Jwk, jwkToPublicKey, publicKeyToJwk } from './jwk';
