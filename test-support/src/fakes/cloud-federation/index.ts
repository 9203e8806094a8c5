/** Loopback fakes of the clouds' token-exchange endpoints that accept Lanyard's JWT-SVIDs and X.509-SVIDs. */
export * from './oidc-token-verifier';
export * from './fake-oidc-issuer';
export * from './aws-trust-policy';
export * from './aws-sts-web-identity';
export * from './entra-token-endpoint';
export * from './gcp-sts';
export * from './roles-anywhere';
