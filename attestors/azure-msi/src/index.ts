/**
 * @lanyard/attestor-azure-msi: the `azure_msi` node attestor. The agent sends a managed-identity access token from
 * Azure IMDS; the server verifies it against Entra ID's keys and issues
 * `spiffe://<td>/spire/agent/azure_msi/<tenant>/<principal>`. Also exports the small ARM / Entra ID / JWT helpers
 * that azure_imds reuses.
 */
export * from './shared';
export * from './config';
export * from './jwt';
export * from './oidc-keys';
export * from './arm';
export * from './network';
export * from './resolve';
export * from './server';
export * from './agent';
