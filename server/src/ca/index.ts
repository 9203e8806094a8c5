/**
 * The server certificate authority: X.509-SVID / JWT-SVID issuance, key management and A/B rotation.
 */
export * from './types';
