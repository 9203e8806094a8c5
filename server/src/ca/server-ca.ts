/**
 * `ServerCa`: the server's certificate authority facade (see {@link ServerCaApi}). Signing is synchronous and
 * uses cached KeyObjects with the direct DER builder; rotation and LocalAuthority operations are async and
 * serialized.
 */
import { type SpiffeBundle, TrustDomain, signJwtSvid } from '@lanyard/spiffe';
import { InvalidArgumentError } from '@lanyard/base';
import { CaAuthorities } from './ca-authorities';
import { resolveCaOptions, resolveTtl, type ResolvedCaOptions } from './ca-options';
import { parseAndVerifyCsr } from './csr';
import { CsrBatchSigner } from './csr-batch';
import { issueLeafFromCsr, type CsrIssueSettings, type IssuedLeaf } from './csr-issue';
import { LocalAuthority } from './local-authority';
import { serialToDecimal } from './der/certificate';
import { rememberSpki, spkiOf } from './der/spki';
import { cappedExpiry, newTokenId } from './jwt-authority';
import { requireDnsName, requireMemberId } from './names';
import type { X509Authority } from './x509-authority';
import { cappedNotAfter, issueCaCertificate, issueSvid } from './x509-templates';
import type {
  AgentX509SvidParams,
  AuthorityState,
  AuthorityStates,
  CaEvent,
  CsrSvidOutcome,
  CsrX509SvidParams,
  DownstreamX509CaParams,
  DownstreamX509CaResult,
  JwtSvidParams,
  JwtSvidResult,
  ParsedCsr,
  ServerCaApi,
  ServerCaOptions,
  X509SvidParams,
  X509SvidResult,
} from './types';

const ROTATION_INTERVAL_MS = 10_000;
/** How often the upstream bundle is read with `UpstreamAuthority "spire"` (SPIRE: 5 s). */
const UPSTREAM_POLL_INTERVAL_MS = 5_000;

/** The server CA. */
export class ServerCa implements ServerCaApi {
  private timer?: NodeJS.Timeout;
  private readonly local: LocalAuthority;

  private constructor(
    private readonly options: ResolvedCaOptions,
    private readonly state: CaAuthorities,
    private readonly batches: CsrBatchSigner,
  ) {
    this.local = new LocalAuthority(state);
  }

  /**
   * Opens the CA: validates options, restores the journal + keys, creates missing authorities, persists; with
   * `signingWorkers` > 1 the signing worker threads start with the first batch that needs them.
   */
  static async create(options: ServerCaOptions): Promise<ServerCa> {
    const resolved = resolveCaOptions(options);
    const state = await CaAuthorities.open(resolved);
    const batches = new CsrBatchSigner(options.signingWorkers ?? 0, resolved.logger);
    return new ServerCa(resolved, state, batches);
  }

  /** @inheritDoc */
  get trustDomain(): string {
    return this.options.trustDomain;
  }

  /** @inheritDoc */
  ttlSettings(): {
    caTtlSeconds: number;
    defaultX509SvidTtlSeconds: number;
    defaultJwtSvidTtlSeconds: number;
  } {
    const { caTtlSeconds, defaultX509SvidTtlSeconds, defaultJwtSvidTtlSeconds } = this.options;
    return { caTtlSeconds, defaultX509SvidTtlSeconds, defaultJwtSvidTtlSeconds };
  }

  /** @inheritDoc */
  signX509Svid(params: X509SvidParams): X509SvidResult {
    requireMemberId(params.spiffeId, this.trustDomain, 'spiffe id');
    const ttl = resolveTtl(params.ttlSeconds, this.options.defaultX509SvidTtlSeconds, 'ttl');
    return this.issue(params.spiffeId, spkiOf(params.publicKey), ttl, params.dnsNames ?? []);
  }

  /** @inheritDoc */
  signAgentX509Svid(params: AgentX509SvidParams): X509SvidResult {
    requireMemberId(params.agentId, this.trustDomain, 'agent id');
    const ttl = resolveTtl(params.ttlSeconds, this.options.agentTtlSeconds, 'ttl');
    return this.issue(params.agentId, spkiOf(params.publicKey), ttl, []);
  }

  /** @inheritDoc */
  parseCsr(csrDer: Buffer): ParsedCsr {
    const { publicKey, spkiDer, uriSans, dnsNames, subjectDer } = parseAndVerifyCsr(csrDer);
    rememberSpki(publicKey, spkiDer); // the caller may sign for this key next
    return { publicKey, uriSans, dnsNames, subjectDer: Buffer.from(subjectDer) };
  }

  /** @inheritDoc */
  signX509SvidFromCsr(params: CsrX509SvidParams): X509SvidResult {
    const ca = this.state.x509.slots.active();
    return this.svidOf(ca, issueLeafFromCsr(ca, params, this.csrSettings(), this.options.now()));
  }

  /** @inheritDoc */
  async signX509SvidsFromCsrs(params: readonly CsrX509SvidParams[]): Promise<CsrSvidOutcome[]> {
    const ca = this.state.x509.slots.active();
    const outcomes = await this.batches.sign(ca, params, this.csrSettings(), this.options.now());
    return outcomes.map((o) => ('leaf' in o ? { svid: this.svidOf(ca, o.leaf) } : o));
  }

  private csrSettings(): CsrIssueSettings {
    return { trustDomain: this.trustDomain, defaultTtlSeconds: this.options.defaultX509SvidTtlSeconds };
  }

  private svidOf(ca: X509Authority, leaf: IssuedLeaf): X509SvidResult {
    this.options.onSigned('x509_svid');
    return {
      certChainDer: [leaf.certDer, ...issuerChain(ca)],
      spiffeId: leaf.spiffeId,
      expiresAt: Math.floor(leaf.notAfter / 1000),
      serialNumber: serialToDecimal(leaf.serial),
    };
  }

  private issue(
    spiffeId: string,
    spkiDer: Buffer,
    ttlSeconds: number,
    dnsNames: readonly string[],
    subjectDer?: Buffer,
  ): X509SvidResult {
    dnsNames.forEach((name, i) => requireDnsName(name, `dns name ${i}`));
    const ca = this.state.x509.slots.active();
    const { certDer, notAfter, serial } = issueSvid(
      ca,
      { spiffeId, spkiDer, ttlMs: ttlSeconds * 1000, dnsNames, subjectDer },
      this.options.now(),
    );
    return this.svidOf(ca, { certDer, spiffeId, notAfter, serial });
  }

  /** @inheritDoc */
  signDownstreamX509Ca(params: DownstreamX509CaParams): DownstreamX509CaResult {
    const ca = this.state.x509.slots.active();
    const now = this.options.now();
    const ttlMs = resolveTtl(params.ttlSeconds, this.options.caTtlSeconds, 'ttl') * 1000;
    const chainLength = 1 + ca.chainDer.length;
    const certDer = issueCaCertificate(
      {
        signer: ca.signer,
        subjectDer: ca.subjectDer,
        subjectKeyId: ca.subjectKeyId,
        notAfterCap: cappedNotAfter(ca, now, ttlMs),
      },
      {
        trustDomainId: TrustDomain.parse(this.trustDomain).idString(),
        spkiDer: spkiOf(params.publicKey),
        subject: { ...this.options.caSubject, organizationalUnit: [`DOWNSTREAM-${chainLength}`] },
        ttlMs,
      },
      now,
    );
    this.options.onSigned('x509_ca_svid');
    return {
      caCertChainDer: [certDer, ...issuerChain(ca)],
      x509Authorities: this.bundleContents().x509Authorities.map((cert) => cert.raw),
      expiresAt: Math.floor(Math.min(now + ttlMs, ca.notAfter) / 1000),
    };
  }

  /** @inheritDoc */
  signJwtSvid(params: JwtSvidParams): JwtSvidResult {
    requireMemberId(params.spiffeId, this.trustDomain, 'spiffe id');
    const audience = (params.audience ?? []).filter((a) => a !== '');
    if (audience.length === 0)
      throw new InvalidArgumentError('at least one audience is required', 'ERR_AUDIENCE');
    const ttl = resolveTtl(params.ttlSeconds, this.options.defaultJwtSvidTtlSeconds, 'ttl');
    const key = this.state.jwt.slots.active();
    const now = this.options.now();
    const issuedAt = Math.floor(now / 1000);
    const expiresAt = cappedExpiry(key, now, ttl);
    const jti = params.includeJti ? newTokenId() : undefined;
    const token = signJwtSvid(
      { key: key.key, kid: key.authorityId, alg: key.algorithm },
      {
        sub: params.spiffeId,
        aud: audience,
        exp: expiresAt,
        iat: issuedAt,
        iss: this.options.jwtIssuer,
        extra: jti === undefined ? undefined : { jti },
      },
    );
    this.options.onSigned('jwt_svid');
    return { token, spiffeId: params.spiffeId, expiresAt, issuedAt, jti };
  }

  /** @inheritDoc */
  bundleContents(): SpiffeBundle {
    return this.state.bundleContents();
  }

  /** @inheritDoc */
  onEvent(listener: (event: CaEvent) => void): () => void {
    return this.state.subscribe(listener);
  }

  /** @inheritDoc */
  onBundleChange(listener: (bundle: SpiffeBundle) => void): () => void {
    return this.state.subscribe((event) => {
      if (event.type === 'bundle-changed') listener(event.bundle);
    });
  }

  /** @inheritDoc */
  rotate(): Promise<void> {
    return this.state.rotate();
  }

  /** @inheritDoc */
  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      this.rotate().catch((err: unknown) =>
        this.options.logger.error('CA rotation failed', {
          error: err instanceof Error ? err.message : String(err),
        }),
      );
    }, ROTATION_INTERVAL_MS);
    this.timer.unref();
    this.state.startUpstreamPolling(UPSTREAM_POLL_INTERVAL_MS);
  }

  /** @inheritDoc */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.state.stopUpstream().catch((err: unknown) =>
      this.options.logger.warn('Failed to close the upstream authority connection', {
        error: err instanceof Error ? err.message : String(err),
      }),
    );
  }

  /** @inheritDoc */
  async close(): Promise<void> {
    this.stop();
    await this.batches.close();
  }

  /** @inheritDoc */
  getX509AuthorityState(): AuthorityStates {
    return this.state.states('x509');
  }

  /** @inheritDoc */
  prepareX509Authority(): Promise<AuthorityState> {
    return this.local.prepare('x509');
  }

  /** @inheritDoc */
  activateX509Authority(authorityId: string): Promise<AuthorityState> {
    return this.local.activate('x509', authorityId);
  }

  /** @inheritDoc */
  taintX509Authority(authorityId: string): Promise<AuthorityState> {
    return this.local.taint('x509', authorityId);
  }

  /** @inheritDoc */
  revokeX509Authority(authorityId: string): Promise<AuthorityState> {
    return this.local.revoke('x509', authorityId);
  }

  /** @inheritDoc */
  taintX509UpstreamAuthority(subjectKeyId: string): Promise<string> {
    return this.local.taintUpstream(subjectKeyId);
  }

  /** @inheritDoc */
  revokeX509UpstreamAuthority(subjectKeyId: string): Promise<string> {
    return this.local.revokeUpstream(subjectKeyId);
  }

  /** @inheritDoc */
  getJwtAuthorityState(): AuthorityStates {
    return this.state.states('jwt');
  }

  /** @inheritDoc */
  prepareJwtAuthority(): Promise<AuthorityState> {
    return this.local.prepare('jwt');
  }

  /** @inheritDoc */
  activateJwtAuthority(authorityId: string): Promise<AuthorityState> {
    return this.local.activate('jwt', authorityId);
  }

  /** @inheritDoc */
  taintJwtAuthority(authorityId: string): Promise<AuthorityState> {
    return this.local.taint('jwt', authorityId);
  }

  /** @inheritDoc */
  revokeJwtAuthority(authorityId: string): Promise<AuthorityState> {
    return this.local.revoke('jwt', authorityId);
  }
}

/**
 * Certificates to send after a leaf we issued: our CA and the upstream intermediates, up to but excluding
 * the bundle root. A self-signed CA is itself the root, so nothing follows the leaf (as SPIRE does).
 */
function issuerChain(ca: { certDer: Buffer; chainDer: Buffer[]; rootsDer: Buffer[] }): Buffer[] {
  const selfSigned = ca.rootsDer.some((root) => root.equals(ca.certDer));
  return selfSigned ? [] : [ca.certDer, ...ca.chainDer];
}
