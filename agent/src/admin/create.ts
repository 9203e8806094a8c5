/** Builds the agent's admin socket with its services from the agent's parts. */
import type { PluginLogger, WorkloadAttestor } from '@lanyard/attestor-core';
import type { GrpcListenerLimits, LogLevelControl } from '@lanyard/common';
import type { AgentIdentity } from '../attestor/agent-identity';
import type { IdentityCache } from '../manager/cache';
import type { SyncLoop } from '../manager/sync-loop';
import type { JwtSvidService } from '../workload';
import { registerDebugService } from './debug';
import { registerDelegatedIdentityService } from './delegated';
import { registerLoggerService } from './logger';
import { AdminApiServer } from './server';

/** The running agent's parts the admin services read. */
export interface AdminApiParts {
  /** `admin_socket_path` (absolute). */
  readonly socketPath: string;
  readonly attestors: readonly WorkloadAttestor[];
  readonly cache: IdentityCache;
  readonly identity: AgentIdentity;
  readonly syncLoop: SyncLoop;
  /** The JWT-SVID service shared with the Workload API. */
  readonly jwt: JwtSvidService;
  /** `authorized_delegates`. */
  readonly authorizedDelegates: readonly string[];
  /** When the agent started (ms since the epoch). */
  readonly startedAt: number;
  readonly logger: PluginLogger;
  /** Live level control of the agent's logger; the Logger service is served only with it. */
  readonly logLevel?: LogLevelControl;
  readonly procRoot?: string;
  /** `lanyard_limits {}`: bounds of the admin socket's gRPC server. */
  readonly limits?: GrpcListenerLimits;
}

/**
 * The admin server with Debug, DelegatedIdentity and (given `logLevel`) Logger registered, as SPIRE's agent; not
 * started. Other services may still be added to its gRPC server.
 */
export function createAdminApi(parts: AdminApiParts): AdminApiServer {
  const admin = new AdminApiServer({
    socketPath: parts.socketPath,
    attestors: parts.attestors,
    logger: parts.logger,
    procRoot: parts.procRoot,
    limits: parts.limits,
  });
  registerDebugService(
    admin.grpcServer,
    {
      agentSvid: () => parts.identity.svid,
      bundle: () => parts.cache.getBundle(),
      lastSyncSuccess: () => parts.syncLoop.lastSuccess,
      cachedX509Svids: () => parts.cache.svidCount,
      cachedJwtSvids: () => parts.jwt.cachedCount,
      cachedSvidStoreX509Svids: () => parts.syncLoop.storeCache.size,
      startedAt: parts.startedAt,
    },
    parts.logger,
  );
  registerDelegatedIdentityService(admin, {
    cache: parts.cache,
    jwt: parts.jwt,
    authorizedDelegates: parts.authorizedDelegates,
    logger: parts.logger,
  });
  if (parts.logLevel) registerLoggerService(admin.grpcServer, parts.logLevel, parts.logger);
  return admin;
}
