import { InvalidArgumentError, NotFoundError } from '@lanyard/base';
import type { RegistrationEntry } from '../../datastore/types';
import type { CsrX509SvidParams, JwtSvidResult, X509SvidResult } from '../../ca/types';
import { jwtSvidMinted, whoCalled, x509SvidIssued } from '../../audit/trail-fields';
import type { RpcContext } from '../boundary';
import { idFromWire, idToWire, requireMemberOf } from '../convert/ids';
import type { ApiDeps } from '../deps';
import { OK_STATUS, apiStatusOf, type ApiStatus } from '../status';
import { requireBatchSize, requireNonNegative } from '../validate';
import type { WireSpiffeId, WireX509Svid } from '../wire';
import { SigningLimiter } from './signing-limiter';

function agentIdOf(ctx: RpcContext): string {
  return ctx.caller.agent?.spiffeId ?? '';
}

function requireAudience(audience: string[]): string[] {
  const nonEmpty = audience.filter((a) => a !== '');
  if (nonEmpty.length === 0)
    throw new InvalidArgumentError('at least one audience is required', 'ERR_AUDIENCE');
  return nonEmpty;
}

/** A batch parameter whose entry the caller may receive. */
interface AuthorizedCsr {
  entry: RegistrationEntry;
  csr: Buffer;
}

/** Checks one BatchNewX509SVID parameter; the error is that item's status, the batch goes on. */
function authorizeParam(
  param: { entry_id: string; csr: Buffer },
  authorized: (entryId: string) => RegistrationEntry | undefined,
): AuthorizedCsr | { error: Error } {
  if (param.entry_id === '')
    return { error: new InvalidArgumentError('missing entry ID', 'ERR_MISSING_ENTRY_ID') };
  if (param.csr.length === 0) return { error: new InvalidArgumentError('missing CSR', 'ERR_MISSING_CSR') };
  const entry = authorized(param.entry_id);
  if (entry === undefined)
    return { error: new NotFoundError('entry not found or not authorized', 'ERR_ENTRY_NOT_AUTHORIZED') };
  return { entry, csr: param.csr };
}

function csrParamsOf({ entry, csr }: AuthorizedCsr): CsrX509SvidParams {
  return {
    csrDer: csr,
    expectedSpiffeId: entry.spiffeId,
    ttlSeconds: entry.x509SvidTtl,
    dnsNames: entry.dnsNames,
  };
}

/** The SVID service: agent issuance (BatchNewX509SVID, NewJWTSVID), admin minting, downstream CAs. */
export class SvidApi {
  private readonly limiter: SigningLimiter;

  constructor(private readonly deps: ApiDeps) {
    this.limiter = deps.signingLimiter ?? new SigningLimiter();
  }

  /**
   * Issues X509-SVIDs for entries the calling agent is authorized for; the CSR only supplies the key. Batches
   * pass the global {@link SigningLimiter}: ResourceExhausted when its queue is full. The CA verifies and signs
   * the authorized CSRs of a batch together (on its signing worker threads when it has them).
   */
  async batchNewX509Svid(req: { params: Array<{ entry_id: string; csr: Buffer }> }, ctx: RpcContext) {
    if (req.params.length === 0) throw new InvalidArgumentError('missing parameters', 'ERR_MISSING_PARAMS');
    requireBatchSize(req.params.length, this.deps.maxBatchSize, 'params');
    await this.deps.rateLimits?.wait(ctx, req.params.length);
    return this.limiter.run(async () => {
      const agentId = agentIdOf(ctx);
      const authorized = (entryId: string) => this.deps.cache.authorizedEntry(agentId, entryId);
      const checked = req.params.map((param) => authorizeParam(param, authorized));
      const toSign = checked.flatMap((c) => ('entry' in c ? [c] : []));
      const signed = await this.deps.ca.signX509SvidsFromCsrs(toSign.map(csrParamsOf));
      let next = 0;
      const results = checked.map((c) => {
        if ('error' in c) return { status: apiStatusOf(c.error) as ApiStatus };
        const outcome = signed[next++];
        if ('error' in outcome) return { status: apiStatusOf(outcome.error) as ApiStatus };
        return { status: OK_STATUS, svid: this.recordX509(outcome.svid, c.entry, agentId) };
      });
      return { results };
    });
  }

  private recordX509(svid: X509SvidResult, entry: RegistrationEntry, agentId: string): WireX509Svid {
    this.deps.trail?.record(x509SvidIssued(svid, { entry_id: entry.id, agent_id: agentId }));
    return {
      id: idToWire(svid.spiffeId),
      cert_chain: svid.certChainDer,
      expires_at: svid.expiresAt,
      hint: entry.hint,
    };
  }

  /** Mints a JWT-SVID for an authorized entry of the calling agent. */
  async newJwtSvid(req: { entry_id: string; audience: string[] }, ctx: RpcContext) {
    await this.deps.rateLimits?.wait(ctx, 1);
    if (req.entry_id === '') throw new InvalidArgumentError('missing entry ID', 'ERR_MISSING_ENTRY_ID');
    const audience = requireAudience(req.audience);
    const entry = this.deps.cache.authorizedEntry(agentIdOf(ctx), req.entry_id);
    if (entry === undefined)
      throw new NotFoundError('entry not found or not authorized', 'ERR_ENTRY_NOT_AUTHORIZED');
    const jwt = this.deps.ca.signJwtSvid({
      spiffeId: entry.spiffeId,
      audience,
      ttlSeconds: entry.jwtSvidTtl,
      includeJti: entry.jwtSvidIncludeJti || this.wantsJti(audience),
    });
    this.recordJwt(jwt, audience, { entry_id: entry.id, agent_id: agentIdOf(ctx) });
    return {
      svid: {
        token: jwt.token,
        id: idToWire(jwt.spiffeId),
        expires_at: jwt.expiresAt,
        issued_at: jwt.issuedAt,
        hint: entry.hint,
      },
    };
  }

  /** True when a token for `audience` must carry a `jti` (`jwt_cloud_audiences`). */
  private wantsJti(audience: readonly string[]): boolean {
    const cloud = this.deps.jwtCloudAudiences;
    return cloud !== undefined && audience.some((a) => cloud.has(a));
  }

  /**
   * True when some entry for `spiffeId` sets `jwt_svid_include_jti`: an admin mint names no entry, so the
   * server honours the flag of any entry that would issue this identity.
   */
  private async anyEntryWantsJti(spiffeId: string): Promise<boolean> {
    const { items } = await this.deps.datastore.listEntries({ spiffeId });
    return items.some((e) => e.jwtSvidIncludeJti);
  }

  private recordJwt(jwt: JwtSvidResult, audience: string[], where: Record<string, unknown>): void {
    this.deps.trail?.record(jwtSvidMinted(jwt, audience, where));
  }

  /** Admin mint from a CSR carrying exactly one URI SAN; the CSR subject is kept. */
  async mintX509Svid(req: { csr: Buffer; ttl: number }, ctx: RpcContext) {
    if (req.csr.length === 0) throw new InvalidArgumentError('missing CSR', 'ERR_MISSING_CSR');
    requireNonNegative(req.ttl, 'ttl');
    const svid = this.deps.ca.signX509SvidFromCsr({
      csrDer: req.csr,
      ttlSeconds: req.ttl,
      useCsrSubject: true,
    });
    this.deps.trail?.record(x509SvidIssued(svid, { minted: true, ...whoCalled(ctx.caller) }));
    ctx.logger.debug('Signed X509 SVID', {
      spiffe_id: svid.spiffeId,
      serial_num: svid.serialNumber,
      expiration: new Date(svid.expiresAt * 1000),
    });
    return {
      svid: { id: idToWire(svid.spiffeId), cert_chain: svid.certChainDer, expires_at: svid.expiresAt },
    };
  }

  /** Admin JWT mint for any workload ID in our trust domain. */
  async mintJwtSvid(req: { id: WireSpiffeId | null; audience: string[]; ttl: number }, ctx: RpcContext) {
    const id = idFromWire(req.id, 'invalid SPIFFE ID');
    requireMemberOf(id, this.deps.trustDomain, 'invalid SPIFFE ID');
    const audience = requireAudience(req.audience);
    requireNonNegative(req.ttl, 'ttl');
    const jwt = this.deps.ca.signJwtSvid({
      spiffeId: id,
      audience,
      ttlSeconds: req.ttl,
      includeJti: this.wantsJti(audience) || (await this.anyEntryWantsJti(id)),
    });
    this.recordJwt(jwt, audience, { minted: true, ...whoCalled(ctx.caller) });
    return {
      svid: {
        token: jwt.token,
        id: idToWire(jwt.spiffeId),
        expires_at: jwt.expiresAt,
        issued_at: jwt.issuedAt,
      },
    };
  }

  /** Signs an intermediate CA for a downstream server (caller authorized as a downstream entry). */
  async newDownstreamX509Ca(req: { csr: Buffer; preferred_ttl: number }, ctx: RpcContext) {
    await this.deps.rateLimits?.wait(ctx, 1);
    if (req.csr.length === 0) throw new InvalidArgumentError('missing CSR', 'ERR_MISSING_CSR');
    requireNonNegative(req.preferred_ttl, 'preferred_ttl');
    const { publicKey } = this.deps.ca.parseCsr(req.csr);
    const ca = this.deps.ca.signDownstreamX509Ca({ publicKey, ttlSeconds: req.preferred_ttl });
    return { ca_cert_chain: ca.caCertChainDer, x509_authorities: ca.x509Authorities };
  }
}
