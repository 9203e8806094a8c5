import type * as grpc from '@grpc/grpc-js';
import type { NodeAttestationResult } from '@lanyard/attestor-core';
import { FailedPreconditionError, InvalidArgumentError, PermissionDeniedError } from '@lanyard/base';
import { tokenFingerprint } from '@lanyard/common';
import type { AttestedNode } from '../../datastore/types';
import { certSerialDecimal } from '../../util/cert';
import { parseSpiffeId } from '../../util/spiffe-id';
import type { RpcContext } from '../boundary';
import { idToWire } from '../convert/ids';
import type { ApiDeps } from '../deps';
import { StreamReader } from '../stream-reader';
import type { X509SvidResult } from '../../ca/types';
import type { WireX509Svid } from '../wire';

/** `AttestAgentRequest` (oneof `step`). */
export interface AttestRequest {
  step?: 'params' | 'challenge_response';
  params?: {
    data: { type: string; payload: Buffer } | null;
    params: { csr: Buffer } | null;
  } | null;
  challenge_response?: Buffer;
}

/** `AttestAgentResponse` (oneof `step`). */
export interface AttestResponse {
  result?: { svid: WireX509Svid; reattestable: boolean };
  challenge?: Buffer;
}

function malformed(what: string): never {
  throw new InvalidArgumentError(`malformed param: ${what}`, 'ERR_ATTEST_PARAM');
}

/** Refuses an attestation payload or challenge response over `limit` bytes, naming the bound. */
function checkSize(what: string, bytes: Buffer, limit: number): void {
  if (bytes.length > limit) {
    throw new InvalidArgumentError(
      `${what} is ${bytes.length} bytes, over the ${limit}-byte limit (lanyard_limits.attestation_max_payload_size)`,
      'ERR_ATTEST_TOO_LARGE',
    );
  }
}

/** Validates the first message and returns its parts. */
function readParams(
  first: AttestRequest | undefined,
  maxPayloadBytes: number,
): { type: string; payload: Buffer; csr: Buffer } {
  const params = first?.params;
  if (params === null || params === undefined) malformed('missing params');
  if (params.data === null) malformed('missing attestation data');
  if (params.params === null) malformed('missing X509-SVID parameters');
  if (params.params.csr.length === 0) malformed('missing CSR');
  if (params.data.type === '') malformed('missing attestation data type');
  if (params.data.payload.length === 0) malformed('missing attestation data payload');
  checkSize('attestation data payload', params.data.payload, maxPayloadBytes);
  return { type: params.data.type, payload: params.data.payload, csr: params.params.csr };
}

/**
 * AttestAgent: runs the configured server node attestor for `AttestationData.type` with challenge/response
 * over the stream, enforces bans and trust-on-first-use, stores the attested node and its selectors, and returns
 * the agent X509-SVID signed for the CSR's key.
 */
export class AgentAttestation {
  /**
   * The (unauthenticated) client gets `limits.attestationStepTimeoutMs` to send its params and each challenge
   * response, each at most `limits.attestationMaxPayloadBytes` long.
   */
  constructor(private readonly deps: ApiDeps) {}

  async attest(call: grpc.ServerDuplexStream<AttestRequest, AttestResponse>, ctx: RpcContext): Promise<void> {
    await this.deps.rateLimits?.wait(ctx, 1);
    const { attestationStepTimeoutMs: stepMs, attestationMaxPayloadBytes: maxBytes } = this.deps.limits;
    const reader = new StreamReader<AttestRequest>(call);
    const { type, payload, csr } = readParams(await reader.next(stepMs, 'attestation params'), maxBytes);
    const attestor = this.deps.attestors.get(type);
    if (attestor === undefined) {
      throw new FailedPreconditionError(
        `error getting node attestor: could not find node attestor type "${type}"`,
        'ERR_NO_ATTESTOR',
      );
    }
    const result = await attestor.attest(payload, async (challenge) => {
      call.write({ challenge });
      const answer = await reader.next(stepMs, 'challenge response');
      if (answer?.challenge_response === undefined || answer.step !== 'challenge_response') {
        throw new InvalidArgumentError('expected a challenge response', 'ERR_ATTEST_CHALLENGE');
      }
      checkSize('challenge response', answer.challenge_response, maxBytes);
      return answer.challenge_response;
    });
    this.checkAgentId(result.agentId);
    const existing = await this.deps.datastore.getNode(result.agentId);
    if (existing?.banned)
      throw new PermissionDeniedError('failed to attest: agent is banned', 'ERR_AGENT_BANNED');
    if (existing !== undefined && !result.canReattest) {
      throw new PermissionDeniedError(
        `failed to attest: agent "${result.agentId}" already attested`,
        'ERR_AGENT_ALREADY_ATTESTED',
      );
    }
    const { publicKey } = this.deps.ca.parseCsr(csr);
    const svid = this.deps.ca.signAgentX509Svid({ agentId: result.agentId, publicKey });
    await this.store(result, type, svid.certChainDer[0], svid.expiresAt, existing);
    await this.deps.cache.refresh();
    this.recordAttested(result, type, svid, existing !== undefined, ctx);
    ctx.logger.info('Agent attestation request completed', {
      agent_id: result.agentId,
      node_attestor_type: type,
      caller_addr: ctx.caller.addr,
    });
    call.write({
      result: {
        svid: { id: idToWire(svid.spiffeId), cert_chain: svid.certChainDer, expires_at: svid.expiresAt },
        reattestable: result.canReattest,
      },
    });
  }

  /** Trail lines of a completed attestation (and of the join token it consumed). */
  private recordAttested(
    result: NodeAttestationResult,
    type: string,
    svid: X509SvidResult,
    reattested: boolean,
    ctx: RpcContext,
  ): void {
    const trail = this.deps.trail;
    if (trail === undefined) return;
    trail.record({
      event: 'agent_attested',
      spiffe_id: result.agentId,
      serial: svid.serialNumber,
      expires_at: svid.expiresAt,
      node_attestor_type: type,
      selectors: result.selectors.map((s) => `${s.type}:${s.value}`),
      reattested,
      caller_addr: ctx.caller.addr,
    });
    if (type === 'join_token') {
      const token = result.agentId.slice(result.agentId.lastIndexOf('/') + 1);
      trail.record({
        event: 'join_token_used',
        spiffe_id: result.agentId,
        token_fingerprint: tokenFingerprint(token),
      });
    }
  }

  private checkAgentId(agentId: string): void {
    const parsed = parseSpiffeId(agentId);
    if (parsed.trustDomain !== this.deps.trustDomain) {
      throw new PermissionDeniedError(
        `failed to attest: agent ID "${agentId}" is not in trust domain "${this.deps.trustDomain}"`,
        'ERR_AGENT_TD',
      );
    }
    if (parsed.path === '/spire/server') {
      throw new PermissionDeniedError('agent ID cannot collide with the server ID', 'ERR_AGENT_ID_SERVER');
    }
    if (!parsed.path.startsWith('/spire/agent/')) {
      this.deps.logger.warn('The node attestor produced an invalid agent ID', { agent_id: agentId });
    }
  }

  private async store(
    result: NodeAttestationResult,
    type: string,
    leaf: Buffer,
    notAfter: number,
    existing: AttestedNode | undefined,
  ): Promise<void> {
    const node = {
      spiffeId: result.agentId,
      attestationDataType: type,
      certSerialNumber: certSerialDecimal(leaf),
      certNotAfter: notAfter,
      newCertSerialNumber: '',
      newCertNotAfter: 0,
      canReattest: result.canReattest,
    };
    const selectors = this.deps.agentSpiffeIdAsSelector
      ? [...result.selectors, { type: 'spiffe_id', value: result.agentId }]
      : result.selectors;
    const ds = this.deps.datastore;
    if (existing === undefined) {
      await ds.createNode({ ...node, selectors });
    } else {
      await ds.updateNode(node);
      await ds.setNodeSelectors(result.agentId, selectors);
    }
  }
}
