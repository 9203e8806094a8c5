/** The agent's in-memory identity cache: what the Workload API serves and the node side fills. */
export * from './types';
export { IdentityCache, type IdentityCacheOptions, type EntryChanges } from './identity-cache';
export type { Subscription, UpdateListener } from './subscription';
export { createSvidMaterial, svidPrivateKey, type SvidMaterialInput } from './svid-material';
export { RotationStrategy, AVAILABILITY_GRACE_THRESHOLD_MS, type SvidValidity } from './rotation';
export { JwtSvidCache, type CachedJwtSvid } from './jwt-svid-cache';
export { dropDuplicateHints } from './entry-index';
export { TaintedAuthorities } from './tainted';
