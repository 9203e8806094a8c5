/** `spire.agent.debug.v1.Debug` on the admin socket: the agent's SVID chain, uptime, last sync and cache counts. */
import { X509Certificate } from 'node:crypto';
import type * as grpc from '@grpc/grpc-js';
import type { PluginLogger } from '@lanyard/attestor-core';
import { InternalError, UnavailableError } from '@lanyard/base';
import {
  loadSpireAgentApis,
  type AgentDebugHandlers,
  type AgentGetInfoResponse as GetInfoResponse,
} from '@lanyard/proto';
import { SpiffeId, verifyX509Svid, type SpiffeBundle } from '@lanyard/spiffe';
import type { AgentSvid } from '../attestor/agent-svid';
import { toCallStatus } from '../workload/status';

/** How long one GetInfo answer is reused (SPIRE caches it for 5 s). */
export const DEBUG_INFO_CACHE_MS = 5000;

/** What GetInfo reports on; each getter is read at most once per {@link DEBUG_INFO_CACHE_MS}. */
export interface AgentDebugSource {
  /** The agent's own X.509-SVID, if it has one. */
  agentSvid(): AgentSvid | undefined;
  /** The own trust domain bundle the agent SVID is verified against. */
  bundle(): SpiffeBundle | undefined;
  /** When the last synchronization with the server succeeded. */
  lastSyncSuccess(): Date | undefined;
  cachedX509Svids(): number;
  cachedJwtSvids(): number;
  /** Entries held for SVIDStore plugins (`-storeSVID`); 0 when absent. */
  cachedSvidStoreX509Svids?(): number;
  /** When the agent started (ms since the epoch). */
  readonly startedAt: number;
  /** Clock; default `Date.now`. */
  readonly now?: () => number;
}

/** One certificate of `svid_chain`: SPIFFE ID from its URI SAN (absent when none), expiry, Go-style subject. */
function certInfo(cert: X509Certificate): NonNullable<GetInfoResponse['svid_chain']>[number] {
  const uri = (cert.subjectAltName ?? '').split(', ').find((san) => san.startsWith('URI:spiffe://'));
  let id: { trust_domain: string; path: string } | null = null;
  if (uri !== undefined) {
    try {
      const parsed = SpiffeId.parse(uri.slice('URI:'.length));
      id = { trust_domain: parsed.trustDomain.name, path: parsed.path };
    } catch {
      id = null;
    }
  }
  return {
    id,
    expires_at: Math.floor(Date.parse(cert.validTo) / 1000),
    // Go's pkix.Name.String(): most specific RDN first, comma-separated.
    subject: cert.subject.split('\n').reverse().join(','),
  };
}

/**
 * The agent SVID's verified chain, leaf to root, as GetInfo reports it.
 * @throws UnavailableError before the agent has an SVID and a bundle; InternalError when it does not verify.
 */
export function agentSvidChain(svid: AgentSvid | undefined, bundle: SpiffeBundle | undefined) {
  if (!svid || !bundle)
    throw new UnavailableError('agent has no SVID or trust bundle yet', 'ERR_AGENT_NOT_READY');
  try {
    const certs = svid.certChainDer.map((der) => new X509Certificate(der));
    return verifyX509Svid(certs, bundle).verifiedChain.map(certInfo);
  } catch (err) {
    throw new InternalError(`failed to verify agent SVID: ${(err as Error).message}`, 'ERR_AGENT_SVID', {
      cause: err,
    });
  }
}

/** Builds a GetInfo answer from the source now. */
export function collectDebugInfo(source: AgentDebugSource): GetInfoResponse {
  const now = (source.now ?? Date.now)();
  const x509 = source.cachedX509Svids();
  const lastSync = source.lastSyncSuccess();
  return {
    svid_chain: agentSvidChain(source.agentSvid(), source.bundle()),
    uptime: Math.floor((now - source.startedAt) / 1000),
    svids_count: x509,
    last_sync_success: lastSync ? Math.floor(lastSync.getTime() / 1000) : 0,
    cached_x509_svids_count: x509,
    cached_jwt_svids_count: source.cachedJwtSvids(),
    cached_svidstore_x509_svids_count: source.cachedSvidStoreX509Svids?.() ?? 0,
  };
}

/** The Debug handlers, answering from a copy refreshed at most every {@link DEBUG_INFO_CACHE_MS}. */
export function createDebugHandlers(source: AgentDebugSource, logger: PluginLogger): AgentDebugHandlers {
  let cached: { at: number; response: GetInfoResponse } | undefined;
  return {
    GetInfo: (_call, callback) => {
      const now = (source.now ?? Date.now)();
      try {
        if (!cached || now - cached.at >= DEBUG_INFO_CACHE_MS) {
          cached = { at: now, response: collectDebugInfo(source) };
        }
        callback(null, cached.response);
      } catch (err) {
        logger.error('Debug GetInfo failed', { error: (err as Error).message });
        callback(toCallStatus(err, logger, 'GetInfo'));
      }
    },
  };
}

/** Registers `spire.agent.debug.v1.Debug` on the admin gRPC server. */
export function registerDebugService(
  server: grpc.Server,
  source: AgentDebugSource,
  logger: PluginLogger,
): void {
  server.addService(
    loadSpireAgentApis().spire.agent.debug.v1.Debug.service,
    createDebugHandlers(source, logger),
  );
}
