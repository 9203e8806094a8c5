/**
 * @lanyard/attestor-azure-imds: the `azure_imds` node attestor. The server challenges the agent with a nonce; the agent
 * answers with the Azure IMDS attested document for it; the server verifies the PKCS#7 signature and chain and issues
 * `spiffe://<td>/spire/agent/azure_imds/<tenant>/<subscription>/<vm id>`.
 */
export * from './shared';
export * from './agent-config';
export * from './server-config';
export * from './chain';
export * from './document';
export * from './server';
export * from './agent';
