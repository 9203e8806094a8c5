/** SPIFFE IDs and trust domains (SPIFFE.md §1). */
export { SpiffeIdError, type SpiffeIdRule, type SpiffeIdErrorCode } from '../errors/spiffe-id-error';
export { isPathChar, isTrustDomainChar } from './chars';
export { TrustDomain, MAX_TRUST_DOMAIN_LENGTH } from './trust-domain';
export { SpiffeId, MAX_SPIFFE_ID_LENGTH } from './spiffe-id';
