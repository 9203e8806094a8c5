import { InternalError, InvalidArgumentError, NotFoundError } from '@lanyard/base';
import { AgentPermissionDeniedError } from '../status-details';
import { certSerialDecimal } from '../../util/cert';
import type { RpcContext } from '../boundary';
import { idToWire } from '../convert/ids';
import type { ApiDeps } from '../deps';

/** Longest agent version PostStatus accepts. */
const MAX_AGENT_VERSION = 255;

/** RenewAgent and PostStatus, called by attested agents over mTLS. */
export class AgentSelfService {
  constructor(private readonly deps: ApiDeps) {}

  /**
   * Signs a new agent SVID for the CSR key; it is recorded as the *new* serial and becomes current on its
   * first use. Reattestable agents must re-attest instead.
   */
  async renew(req: { params: { csr: Buffer } | null }, ctx: RpcContext) {
    await this.deps.rateLimits?.wait(ctx, 1);
    const agentId = ctx.caller.agent?.spiffeId ?? '';
    const node = await this.deps.datastore.getNode(agentId);
    if (node === undefined) throw new NotFoundError('agent not found', 'ERR_AGENT_NOT_FOUND');
    if (node.canReattest) {
      throw new AgentPermissionDeniedError('agent must reattest instead of renew', 'AGENT_MUST_REATTEST');
    }
    if (req.params === null) throw new InvalidArgumentError('params cannot be nil', 'ERR_RENEW_PARAMS');
    if (req.params.csr.length === 0) throw new InvalidArgumentError('missing CSR', 'ERR_RENEW_CSR');
    const { publicKey } = this.deps.ca.parseCsr(req.params.csr);
    const svid = this.deps.ca.signAgentX509Svid({ agentId, publicKey });
    await this.deps.datastore.updateNode(
      {
        ...node,
        newCertSerialNumber: certSerialDecimal(svid.certChainDer[0]),
        newCertNotAfter: svid.expiresAt,
      },
      { newCertSerialNumber: true, newCertNotAfter: true },
    );
    this.deps.trail?.record({
      event: 'agent_renewed',
      spiffe_id: agentId,
      serial: svid.serialNumber,
      expires_at: svid.expiresAt,
    });
    return {
      svid: { id: idToWire(svid.spiffeId), cert_chain: svid.certChainDer, expires_at: svid.expiresAt },
    };
  }

  /**
   * The agent's status report, as SPIRE: a non-empty `agent_version` is stored on the attested node (shown by
   * `agent list|show` and ListAgents); an empty one changes nothing. `current_bundle_serial` is not used.
   */
  async postStatus(req: { current_bundle_serial: number; agent_version: string }, ctx: RpcContext) {
    await this.deps.rateLimits?.wait(ctx, 1);
    const node = ctx.caller.agent;
    if (node === undefined)
      throw new InternalError('caller ID missing from request context', 'ERR_NO_CALLER');
    const version = req.agent_version;
    if (version === '') return {};
    if (version.length > MAX_AGENT_VERSION) {
      throw new InvalidArgumentError('agent version is too long (max 255 characters)', 'ERR_AGENT_VERSION');
    }
    try {
      await this.deps.datastore.updateNode({ ...node, agentVersion: version }, { agentVersion: true });
    } catch (err) {
      if (err instanceof NotFoundError) throw new NotFoundError('agent not found', 'ERR_AGENT_NOT_FOUND');
      throw new InternalError('failed to update agent', 'ERR_AGENT_UPDATE', { cause: err });
    }
    ctx.logger.debug('Agent status updated', { spiffe_id: node.spiffeId, agent_version: version });
    return {};
  }
}
