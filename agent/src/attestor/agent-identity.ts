/**
 * The agent's own identity over its life: reuse the SVID stored in data_dir or attest, renew it at half-life
 * (earlier when `availability_target` asks for more remaining validity)
 * (`Agent.RenewAgent` over mTLS, or a new attestation when the server says the agent must re-attest), and
 * re-attest after an eviction when the attestor allows it.
 */
import * as grpc from '@grpc/grpc-js';
import type { NodeAttestorAgent, PluginLogger } from '@lanyard/attestor-core';
import { createCsr, PermissionDeniedError } from '@lanyard/base';
import { statusOf, unary } from '@lanyard/base/grpc';
import { RotationStrategy, TaintedAuthorities } from '../manager/cache';
import { attestAgent } from './attest';
import { createAgentSvid, loggableAgentId, type AgentSvid } from './agent-svid';
import { fetchOwnBundle } from '../manager/bundle-fetch';
import { generateKeyPair } from '../manager/keys';
import { RPC_TIMEOUT_MS, describeRpcError, toLanyardError } from '../client/rpc';
import type { ServerConnection } from '../client/server-connection';
import type { AgentStorage } from './storage';
import { AGENT_METRIC_KEYS, type AgentTelemetry } from '../telemetry';

/** Options of {@link AgentIdentity}. */
export interface AgentIdentityOptions {
  readonly connection: ServerConnection;
  /** Builds the node attestor; called only when the agent has to attest (a stored SVID needs no token). */
  readonly createAttestor: () => Promise<NodeAttestorAgent>;
  readonly storage: AgentStorage;
  readonly trustDomain: string;
  /** Loads the roots of trust_bundle_path / trust_bundle_url (undefined with insecure_bootstrap); only called when data_dir has no bundle. */
  readonly loadBootstrapRoots: () => Promise<readonly Buffer[] | undefined>;
  readonly logger: PluginLogger;
  /** Records attestations (`spire_agent_node_attestor_new_svid`) and rotations (`spire_agent_agent_svid_rotate`). */
  readonly telemetry?: AgentTelemetry;
  /** When the SVID is due for renewal (`availability_target`); half-life when absent. */
  readonly rotation?: RotationStrategy;
}

/** Thrown when the server banned this agent: the agent must stop. */
export class AgentBannedError extends PermissionDeniedError {
  constructor(detail: string) {
    super(`agent is banned: ${detail}`, 'ERR_AGENT_BANNED');
  }
}

interface RenewResponse {
  svid: { cert_chain: Buffer[] } | null;
}

/** Holds and maintains the agent SVID and the roots that authenticate the server. */
export class AgentIdentity {
  private current: AgentSvid | undefined;
  private roots: readonly Buffer[] | undefined;
  private rootsStored = false;
  private attestor: NodeAttestorAgent | undefined;

  constructor(private readonly options: AgentIdentityOptions) {}

  /** The current agent SVID (after {@link initialize}). */
  get svid(): AgentSvid | undefined {
    return this.current;
  }

  /** Reuses a stored, valid SVID, or attests. */
  async initialize(): Promise<AgentSvid> {
    const stored = this.options.storage.load();
    this.useRoots(stored.bundle ?? (await this.options.loadBootstrapRoots()));
    this.rootsStored = stored.bundle !== undefined;
    if (stored.svid) {
      this.use(stored.svid, false);
      this.options.logger.info('Reusing stored agent SVID', {
        spiffe_id: loggableAgentId(stored.svid.spiffeId),
        expires_at: stored.svid.expiresAt.toISOString(),
      });
      return stored.svid;
    }
    return this.attest();
  }

  /** Runs node attestation and installs the new SVID. */
  attest(): Promise<AgentSvid> {
    return this.measure(AGENT_METRIC_KEYS.nodeAttest, () => this.attestNow());
  }

  private measure<T>(key: readonly string[], call: () => Promise<T>): Promise<T> {
    return this.options.telemetry ? this.options.telemetry.measure(key, call) : call();
  }

  private async attestNow(): Promise<AgentSvid> {
    const { connection, logger } = this.options;
    this.attestor ??= await this.options.createAttestor();
    const attestor = this.attestor;
    connection.setSvid(undefined);
    let svid: AgentSvid;
    try {
      svid = await attestAgent(connection.clients(), attestor, this.options.trustDomain);
    } catch (err) {
      // Keep talking mTLS with the previous SVID (if any) until an attestation succeeds.
      connection.setSvid(this.current);
      if (/agent is banned/.test((err as Error).message)) throw new AgentBannedError((err as Error).message);
      throw err;
    }
    this.use(svid, true);
    if (this.roots === undefined) await this.bootstrapInsecure();
    logger.info('Node attestation was successful', {
      spiffe_id: loggableAgentId(svid.spiffeId),
      reattestable: svid.reattestable,
      expires_at: svid.expiresAt.toISOString(),
    });
    return svid;
  }

  /** With insecure_bootstrap: trust the bundle the server hands out after attestation. */
  private async bootstrapInsecure(): Promise<void> {
    const { bundle } = await fetchOwnBundle(this.options.connection.clients());
    this.updateRoots(bundle.x509Authorities.map((cert) => cert.raw));
    this.options.logger.warn('Trusting the server bundle obtained without verification (insecure_bootstrap)');
  }

  /** Installs newer roots from a synced bundle (kept in data_dir for the next start). */
  updateRoots(roots: readonly Buffer[]): void {
    if (roots.length === 0) return;
    const same = this.roots?.length === roots.length && this.roots.every((r, i) => r.equals(roots[i]));
    if (same && this.rootsStored) return;
    if (!same) this.useRoots(roots);
    this.options.storage.saveBundle(roots);
    this.rootsStored = true;
  }

  /**
   * Renews the SVID once due (half-life, or the `availability_target`), or at once when it was issued under a `tainted` authority; re-attests
   * when the attestor allows it or the server requires it.
   * @throws PermissionDeniedError when a non-reattestable agent's SVID has already expired.
   */
  async rotateIfNeeded(
    now: Date = new Date(),
    tainted: TaintedAuthorities = TaintedAuthorities.NONE,
  ): Promise<void> {
    const svid = this.current;
    const rotation = this.options.rotation ?? RotationStrategy.HALF_LIFE;
    if (!svid || (!rotation.isDue(svid, now) && !tainted.issued(svid.certChainDer))) return;
    if (!svid.reattestable && svid.expiresAt.getTime() <= now.getTime()) {
      // Renewal needs mTLS with a valid SVID; only a new attestation (a new join token) can help now.
      throw new PermissionDeniedError(
        'agent SVID has expired and cannot be renewed',
        'ERR_AGENT_SVID_EXPIRED',
      );
    }
    await this.measure(AGENT_METRIC_KEYS.agentSvidRotate, () => this.rotate(svid));
  }

  /** Renews `svid`, or re-attests when the attestor allows it or the server requires it. */
  private async rotate(svid: AgentSvid): Promise<void> {
    if (svid.reattestable) {
      this.options.logger.info('Agent SVID is due for rotation; re-attesting', {
        spiffe_id: loggableAgentId(svid.spiffeId),
      });
      await this.attest();
      return;
    }
    try {
      await this.renew(svid);
    } catch (err) {
      if (statusOf(err) === grpc.status.PERMISSION_DENIED && /must reattest/.test(describeRpcError(err))) {
        await this.attest();
        return;
      }
      throw toLanyardError(err, 'failed to renew agent SVID');
    }
  }

  private async renew(svid: AgentSvid): Promise<void> {
    const key = generateKeyPair('ec-p256');
    const csr = createCsr(key.privateKey, key.publicKey);
    const clients = this.options.connection.clients();
    const res = await unary<RenewResponse>(
      (opts, cb) => clients.agent.RenewAgent({ params: { csr } }, opts, cb),
      RPC_TIMEOUT_MS,
    );
    const renewed = createAgentSvid(res.svid?.cert_chain ?? [], key.privateKey, svid.reattestable);
    this.use(renewed, true);
    this.options.logger.info('Renewed agent SVID', {
      spiffe_id: loggableAgentId(renewed.spiffeId),
      expires_at: renewed.expiresAt.toISOString(),
    });
  }

  /**
   * Handles a sync refused with PermissionDenied/NotFound (agent evicted or banned): re-attests when the
   * attestor allows it.
   * @throws AgentBannedError when banned; PermissionDeniedError when eviction cannot be recovered from.
   */
  async recoverFromEviction(cause: unknown): Promise<void> {
    const detail = describeRpcError(cause);
    if (/banned/.test(detail)) throw new AgentBannedError(detail);
    if (!this.current?.reattestable) {
      throw new PermissionDeniedError(
        `agent is no longer attested and its node attestor cannot re-attest: ${detail}`,
        'ERR_AGENT_EVICTED',
      );
    }
    this.options.logger.warn('Agent was evicted; attempting to re-attest', { error: detail });
    this.options.storage.clearSvid();
    await this.attest();
  }

  /** Forgets the stored SVID and bundle, so that the next start bootstraps and attests again (rebootstrap). */
  discardForRebootstrap(): void {
    this.options.storage.clearSvid();
    this.options.storage.clearBundle();
    this.rootsStored = false;
  }

  private use(svid: AgentSvid, persist: boolean): void {
    this.current = svid;
    this.options.connection.setSvid(svid);
    if (persist) this.options.storage.saveSvid(svid);
  }

  private useRoots(roots: readonly Buffer[] | undefined): void {
    this.roots = roots;
    this.options.connection.setRoots(roots);
  }
}
