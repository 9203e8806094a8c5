/**
 * @lanyard/agent: node attestation, sync, the identity cache, the SPIFFE Workload API and the lanyard-agent CLI.
 */
export * from './manager/cache';
export * from './workload';
export * from './admin';
export {
  runCli,
  buildProgram,
  processIo,
  COMMANDS,
  type CliIo,
  type CliCommand,
  type CommandContext,
} from './cli';
export * from './config';
// Attestor: node attestation, the agent's own identity, data_dir persistence, the bootstrap bundle.
export { attestAgent } from './attestor/attest';
export { AgentIdentity, AgentBannedError, type AgentIdentityOptions } from './attestor/agent-identity';
export {
  createAgentSvid,
  loggableAgentId,
  redactJoinTokens,
  chainToPem,
  type AgentSvid,
} from './attestor/agent-svid';
export { AgentStorage, DATA_FILES, type StoredState } from './attestor/storage';
export { loadBootstrapBundle, parseBootstrapBundle } from './attestor/bootstrap-bundle';
// Manager: the sync loop, entry sync, SVID signing, bundle fetch and JWT minting (it owns the cache above).
export { createCsr } from '@lanyard/base';
export { generateKeyPair, type KeyPair } from './manager/keys';
export { EntrySynchronizer, toWorkloadEntry, AGENT_ENTRY_MASK } from './manager/entry-sync';
export { fetchOwnBundle, fetchFederatedBundles, sameBundle } from './manager/bundle-fetch';
export { SvidSigner, CSR_BATCH_SIZE } from './manager/svid-signer';
export { ServerJwtSvidMinter } from './manager/jwt-minter';
export { SyncLoop, type SyncLoopOptions } from './manager/sync-loop';
// Client: the connection to the server.
export {
  ServerConnection,
  serverCredentials,
  serverIdentityCheck,
  type ServerClients,
} from './client/server-connection';
// Catalog: the node and workload attestor plugins the agent can load.
export {
  BUILTIN_AGENT_CATALOGS,
  NODE_ATTESTOR_PLUGINS,
  WORKLOAD_ATTESTOR_PLUGINS,
  type AgentCatalogs,
  createNodeAttestor,
  createWorkloadAttestors,
} from './catalog/catalog';
export { Agent, type AgentStartOptions } from './agent';
