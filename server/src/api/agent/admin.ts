import { randomUUID } from 'node:crypto';
import { InvalidArgumentError, NotFoundError } from '@lanyard/base';
import { joinTokenAgentId } from '@lanyard/attestor-join-token/server';
import { tokenFingerprint } from '@lanyard/common';
import { whoCalled } from '../../audit/trail-fields';
import type { RpcContext } from '../boundary';
import type { ApiDeps } from '../deps';
import { agentFilterFromWire, agentToWire, type WireAgentFilter } from '../convert/agent';
import { idFromWire, requireMemberOf, requireWorkloadId } from '../convert/ids';
import { requireNonNegative } from '../validate';
import type { WireAgentMask, WireSpiffeId } from '../wire';

const TOKEN = /^[A-Za-z0-9._-]+$/;

/** Admin RPCs of the Agent service: List, Count, Get, Delete (evict), Ban, CreateJoinToken. */
export class AgentAdmin {
  constructor(private readonly deps: ApiDeps) {}

  private agentId(id: WireSpiffeId | null): string {
    const agentId = idFromWire(id, 'invalid agent ID');
    requireMemberOf(agentId, this.deps.trustDomain, 'invalid agent ID');
    return agentId;
  }

  async list(req: {
    filter: WireAgentFilter | null;
    output_mask: WireAgentMask | null;
    page_size: number;
    page_token: string;
  }) {
    requireNonNegative(req.page_size, 'page_size');
    const page = await this.deps.datastore.listNodes(agentFilterFromWire(req.filter), {
      pageSize: req.page_size,
      pageToken: req.page_token,
    });
    return {
      agents: page.items.map((n) => agentToWire(n, req.output_mask)),
      next_page_token: page.nextPageToken,
    };
  }

  async count(req: { filter: WireAgentFilter | null }) {
    return { count: await this.deps.datastore.countNodes(agentFilterFromWire(req.filter)) };
  }

  async get(req: { id: WireSpiffeId | null; output_mask: WireAgentMask | null }) {
    const node = await this.deps.datastore.getNode(this.agentId(req.id));
    if (node === undefined) throw new NotFoundError('agent not found', 'ERR_AGENT_NOT_FOUND');
    return agentToWire(node, req.output_mask);
  }

  /** Evicts the agent: it may attest again (unless its attestor forbids). */
  async delete(req: { id: WireSpiffeId | null }, ctx: RpcContext) {
    const agentId = this.agentId(req.id);
    if ((await this.deps.datastore.getNode(agentId)) === undefined) {
      throw new NotFoundError('agent not found', 'ERR_AGENT_NOT_FOUND');
    }
    await this.deps.datastore.deleteNode(agentId);
    this.deps.entryWatch?.end(agentId);
    await this.deps.cache.refresh();
    this.deps.logger.info('Agent deleted', { spiffe_id: agentId });
    this.deps.trail?.record({ event: 'agent_evicted', spiffe_id: agentId, ...whoCalled(ctx.caller) });
    return {};
  }

  /** Bans the agent: serials cleared, refused until deleted. */
  async ban(req: { id: WireSpiffeId | null }, ctx: RpcContext) {
    const agentId = this.agentId(req.id);
    const node = await this.deps.datastore.getNode(agentId);
    if (node === undefined) throw new NotFoundError('agent not found', 'ERR_AGENT_NOT_FOUND');
    await this.deps.datastore.updateNode(
      { ...node, certSerialNumber: '', newCertSerialNumber: '' },
      { certSerialNumber: true, newCertSerialNumber: true },
    );
    this.deps.entryWatch?.end(agentId);
    this.deps.logger.info('Agent banned', { spiffe_id: agentId });
    this.deps.trail?.record({ event: 'agent_banned', spiffe_id: agentId, ...whoCalled(ctx.caller) });
    return {};
  }

  /**
   * Creates a single-use join token (`token generate`); with `agent_id`, also the alias entry parented to the
   * join-token agent ID that maps it to the given ID via selector `spiffe_id:<agent id>` (SPIRE §5.4).
   */
  async createJoinToken(req: { ttl: number; token: string; agent_id: WireSpiffeId | null }, ctx: RpcContext) {
    if (req.ttl < 1) throw new InvalidArgumentError('ttl is required, you must provide one', 'ERR_TTL');
    const token = req.token === '' ? randomUUID() : req.token;
    if (!TOKEN.test(token) || token === '.' || token === '..') {
      throw new InvalidArgumentError(
        'token must contain only letters, numbers, dots, dashes and underscores',
        'ERR_TOKEN',
      );
    }
    let aliasId: string | undefined;
    if (req.agent_id !== null) {
      aliasId = idFromWire(req.agent_id, 'invalid agent ID');
      requireWorkloadId(aliasId, this.deps.trustDomain, 'invalid agent ID');
    }
    const expiresAt = Math.floor(this.deps.now() / 1000) + req.ttl;
    // Alias first (idempotent): a failure then leaves no usable token without its alias.
    if (aliasId !== undefined) await this.createAlias(token, aliasId);
    await this.deps.datastore.createJoinToken({ token, expiresAt });
    // Keyed by the alias when there is one; the join token agent ID is masked by the trail writer.
    this.deps.trail?.record({
      event: 'join_token_created',
      spiffe_id: aliasId ?? joinTokenAgentId(this.deps.trustDomain, token),
      token_fingerprint: tokenFingerprint(token),
      expires_at: expiresAt,
      ...whoCalled(ctx.caller),
    });
    return { value: token, expires_at: expiresAt };
  }

  private async createAlias(token: string, spiffeId: string): Promise<void> {
    const parentId = joinTokenAgentId(this.deps.trustDomain, token);
    await this.deps.datastore.createOrReturnEntry({
      spiffeId,
      parentId,
      selectors: [{ type: 'spiffe_id', value: parentId }],
      x509SvidTtl: 0,
      jwtSvidTtl: 0,
      dnsNames: [],
      federatesWith: [],
      admin: false,
      downstream: false,
      expiresAt: 0,
      storeSvid: false,
      hint: '',
    });
    await this.deps.cache.refresh();
  }
}
