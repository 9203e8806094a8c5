/**
 * @lanyard/spiffe: SPIFFE identities, SVIDs, bundles, the Workload API client and TLS helpers for Node.js.
 */
export * from './errors';
export * from './id';
export * from './x509';
export * from './bundle';
export * from './jwt';
export * from './workloadapi';
export * from './tls';
export * from './managed';
