/** The node side of the agent: attestation, the server connection, sync, SVID signing and persistence. */
export { createCsr } from './csr';
export { generateKeyPair, type KeyPair } from './keys';
export { createAgentSvid, loggableAgentId, redactJoinTokens, chainToPem, type AgentSvid } from './agent-svid';
export { AgentStorage, DATA_FILES, type StoredState } from './storage';
export { loadBootstrapBundle, parseBootstrapBundle } from './bootstrap-bundle';
export {
  ServerConnection,
  serverCredentials,
  serverIdentityCheck,
  type ServerClients,
} from './server-connection';
export { attestAgent } from './attest';
export { AgentIdentity, AgentBannedError, type AgentIdentityOptions } from './agent-identity';
export { EntrySynchronizer, toWorkloadEntry, AGENT_ENTRY_MASK } from './entry-sync';
export { BundleConverter, fetchOwnBundle, fetchFederatedBundles, sameBundle } from './bundle-fetch';
export { SvidSigner, CSR_BATCH_SIZE } from './svid-signer';
export { ServerJwtSvidMinter } from './jwt-minter';
export { SyncLoop, type SyncLoopOptions } from './sync-loop';
export { Backoff } from './backoff';
export {
  NODE_ATTESTOR_PLUGINS,
  WORKLOAD_ATTESTOR_PLUGINS,
  createNodeAttestor,
  createWorkloadAttestors,
} from './catalog';
