/** The agent's admin socket (`admin_socket_path`) and the services it serves. */
export {
  AdminApiServer,
  type AdminApiServerOptions,
  DEFAULT_ADMIN_SOCKET_PATH,
  ADMIN_SOCKET_MODE,
} from './server';
export { createAdminApi, type AdminApiParts } from './create';
export {
  registerDebugService,
  createDebugHandlers,
  collectDebugInfo,
  agentSvidChain,
  DEBUG_INFO_CACHE_MS,
  type AgentDebugSource,
} from './debug';
export {
  registerDelegatedIdentityService,
  createDelegatedIdentityHandlers,
  DelegateAuthorizer,
  DEFAULT_MAX_PENDING_MESSAGES,
  type DelegatedIdentityOptions,
} from './delegated';
export { registerLoggerService, createLoggerHandlers } from './logger';
