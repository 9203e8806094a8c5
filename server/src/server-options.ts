import type { PluginLogger } from '@lanyard/attestor-core';
import type { Metrics } from '@lanyard/common';
import { DiskKeyManager, MemoryKeyManager, type KeyManager } from './ca';
import type { KeyManagerConfig, ServerConfig } from './config/types';
import type { LanyardServerOptions } from './server';

async function keyManagerFor(config: KeyManagerConfig): Promise<KeyManager> {
  return config.kind === 'disk' ? DiskKeyManager.open(config.keysPath) : new MemoryKeyManager();
}

/** Turns a loaded `server.conf` into {@link LanyardServerOptions} (opens the KeyManager). */
export async function serverOptionsFromConfig(
  config: ServerConfig,
  logger: PluginLogger,
  metrics?: Metrics,
): Promise<LanyardServerOptions> {
  const s = config.server;
  const p = config.plugins;
  return {
    trustDomain: s.trustDomain,
    dataDir: s.dataDir,
    bindAddress: s.bindAddress,
    bindPort: s.bindPort,
    socketPath: s.socketPath,
    adminIds: s.adminIds,
    disableJwtSvids: s.disableJwtSvids,
    pushEntryChanges: s.pushEntryChanges,
    auditLogEnabled: s.auditLogEnabled,
    auditTrail: s.auditTrail,
    jwtCloudAudiences: s.jwtCloudAudiences,
    limits: s.limits,
    signingLimits: s.signingLimits,
    agentSpiffeIdAsSelector: s.experimental.agentSpiffeIdAsSelector,
    cachePollIntervalMs: s.experimental.cacheReloadIntervalMs,
    cacheFullReloadIntervalMs: s.experimental.fullCacheReloadIntervalMs,
    pruneEventsOlderThanMs: s.experimental.pruneEventsOlderThanMs,
    ratelimit: s.ratelimit,
    eventTimeoutMs: s.experimental.eventTimeoutMs,
    pruneAttestedNodes:
      s.pruneAttestedNodesExpiredForSeconds === undefined
        ? undefined
        : {
            expiredForSeconds: s.pruneAttestedNodesExpiredForSeconds,
            batchSize: s.pruneAttestedNodesBatchSize,
            pruneTofuNodes: s.pruneTofuNodes,
          },
    ca: {
      keyManager: await keyManagerFor(p.keyManager),
      caKeyType: s.caKeyType,
      jwtKeyType: s.jwtKeyType,
      caTtlSeconds: s.caTtlSeconds,
      caSubject: s.caSubject,
      defaultX509SvidTtlSeconds: s.defaultX509SvidTtlSeconds,
      defaultJwtSvidTtlSeconds: s.defaultJwtSvidTtlSeconds,
      agentTtlSeconds: s.agentTtlSeconds,
      jwtIssuer: s.jwtIssuer,
      upstreamAuthority: p.upstreamAuthority,
      signingWorkers: s.signingWorkers,
    },
    federation: s.federation,
    managedWorkloads: s.managedWorkloads,
    datastore: p.dataStore,
    nodeAttestors: p.nodeAttestors,
    kubeBundle: p.kubeBundle,
    logger,
    metrics,
  };
}
