/**
 * @lanyard/server: a SPIRE-compatible SPIFFE server — CA, datastore, authorized-entry cache, the SPIRE server
 * APIs on a local admin socket and a TLS port, node attestation, and the `lanyard-server` CLI.
 */
export { LanyardServer, type LanyardServerOptions } from './server';
export { serverOptionsFromConfig } from './server-options';
export { BundleSync } from './bundle-sync';
export { EntryCache, type EntryCacheOptions } from './authorized-entries/entry-cache';
export { AuthorizedEntryIndex } from './authorized-entries/authorized-entry-index';
export { NodeAttestorCatalog, type NodeAttestorConfig } from './catalog/node-attestors';
export { SERVER_NODE_ATTESTORS } from './catalog/builtins';
export { Authorizer, type AuthorizerOptions } from './auth/authorizer';
export type { Caller, AuthorizedCaller, Role } from './auth/caller';
export { RpcBoundary, type MethodSpec, type RpcContext } from './api/boundary';
export { registerServerApis, SERVER_SERVICE_NAMES } from './api/register';
export type { ApiDeps } from './api/deps';
export { Endpoints, type EndpointsOptions } from './endpoints/endpoints';
export { ServerSvidRotator, type ServerSvid } from './endpoints/server-svid';
export {
  DEFAULT_SOCKET_PATH,
  connectAdmin,
  connectServerApis,
  resolveSocketPath,
  type ServerApiClients,
} from './cli/admin-client';
export { runCli, buildProgram } from './cli/program';
export { runAdminAction, type AdminFlags } from './cli/admin-action';
export { plural, formatGoTime, printCommandError } from './cli/output';
export type { CliCommand, CommandContext } from './cli/registry';
export type { CliIo } from './cli/io';
export * from './ca';
export * from './datastore';
export * from './config';
