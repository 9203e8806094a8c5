/**
 * Public contracts of the server certificate authority (`server/src/ca`).
 *
 * Units: every TTL is in **seconds**; every instant (`expiresAt`, `issuedAt`, `now()`) handed out is
 * **Unix seconds** except {@link Clock}, which returns milliseconds like `Date.now()`.
 * SPIFFE IDs are passed as strings (`spiffe://td/path`) and validated by the CA.
 */
import type { KeyObject } from 'node:crypto';
import type { PluginLogger } from '@lanyard/attestor-core';
import type { SpiffeBundle } from '@lanyard/spiffe';

/** Key types accepted for `ca_key_type` / `jwt_key_type` (SPIRE spelling). */
export type KeyType = 'ec-p256' | 'ec-p384' | 'rsa-2048' | 'rsa-4096';

/** Milliseconds since the epoch, like `Date.now()`. Injected so tests can move time. */
export type Clock = () => number;

/** Parameters for issuing an X.509-SVID to a public key the caller already trusts. */
export interface X509SvidParams {
  /** SPIFFE ID for the URI SAN; must be in the CA's trust domain and have a non-empty path. */
  spiffeId: string;
  /** The subject's public key (EC P-256/P-384 or RSA). */
  publicKey: KeyObject;
  /** Lifetime; 0/undefined → `default_x509_svid_ttl`. Always capped at the signing CA's NotAfter. */
  ttlSeconds?: number;
  /** DNS SANs; when non-empty the first one also becomes the subject CN (SPIRE behaviour). */
  dnsNames?: readonly string[];
}

/** An issued X.509-SVID. */
export interface X509SvidResult {
  /** DER certificates: leaf first, then our intermediates up to but excluding the bundle root. */
  certChainDer: Buffer[];
  /** The SPIFFE ID written into the leaf. */
  spiffeId: string;
  /** Leaf NotAfter, Unix seconds. */
  expiresAt: number;
  /** Leaf serial number, decimal (as `openssl x509 -serial` shows it in hex, and SPIRE logs it in decimal). */
  serialNumber: string;
}

/** Parameters for issuing an agent's X.509-SVID. */
export interface AgentX509SvidParams {
  /** Agent SPIFFE ID, `spiffe://<td>/spire/agent/...`. */
  agentId: string;
  /** The agent's public key. */
  publicKey: KeyObject;
  /** Lifetime; 0/undefined → `agent_ttl`. Capped at the CA's NotAfter. */
  ttlSeconds?: number;
}

/**
 * Parameters for issuing an X.509-SVID from a PKCS#10 CSR. The CSR signature is always verified.
 * The CSR subject is ignored (SPIRE behaviour) unless {@link useCsrSubject} is set.
 */
export interface CsrX509SvidParams {
  /** DER-encoded PKCS#10 CertificationRequest. */
  csrDer: Buffer;
  /**
   * The SPIFFE ID the caller is authorised to receive (e.g. from the registration entry). When set, a CSR
   * without URI SAN is accepted (the key is all it supplies) and a CSR whose URI SAN differs is refused with
   * `PermissionDeniedError`. When unset, the CSR must carry exactly one valid URI SAN (mint flow).
   */
  expectedSpiffeId?: string;
  /** Lifetime; 0/undefined → `default_x509_svid_ttl`. Capped at the CA's NotAfter. */
  ttlSeconds?: number;
  /** DNS SANs to issue; when undefined the CSR's DNS SANs are used. */
  dnsNames?: readonly string[];
  /** Copy the CSR subject into the SVID (MintX509SVID semantics) instead of `O=SPIRE, C=US`. */
  useCsrSubject?: boolean;
}

/** What a verified PKCS#10 request contains. */
export interface ParsedCsr {
  /** The requested public key (cached KeyObject). */
  publicKey: KeyObject;
  /** URI SANs from the extensionRequest attribute, in order. */
  uriSans: string[];
  /** DNS SANs from the extensionRequest attribute, in order. */
  dnsNames: string[];
  /** Raw DER of the CSR subject Name. */
  subjectDer: Buffer;
}

/** Parameters for signing a downstream (nested SPIRE server) X.509 CA. */
export interface DownstreamX509CaParams {
  /** The downstream CA's public key (take it from a verified CSR via `ServerCa.parseCsr`). */
  publicKey: KeyObject;
  /** Lifetime; 0/undefined → `ca_ttl`. Capped at our CA's NotAfter. */
  ttlSeconds?: number;
}

/** A signed downstream CA. */
export interface DownstreamX509CaResult {
  /** DER: the new downstream CA certificate first, then our intermediates (root excluded). */
  caCertChainDer: Buffer[];
  /** DER roots of our trust bundle (what the downstream server should publish as authorities). */
  x509Authorities: Buffer[];
  /** Downstream CA NotAfter, Unix seconds. */
  expiresAt: number;
}

/** Parameters for minting a JWT-SVID. */
export interface JwtSvidParams {
  /** `sub` claim; must be in the CA's trust domain with a non-empty path. */
  spiffeId: string;
  /** `aud` claim; empty strings dropped; at least one non-empty value required. */
  audience: readonly string[];
  /** Lifetime; 0/undefined → `default_jwt_svid_ttl`. Capped at the JWT key's expiry. */
  ttlSeconds?: number;
  /** Add a random `jti` claim (entry `jwt_svid_include_jti`). */
  includeJti?: boolean;
}

/** A minted JWT-SVID. */
export interface JwtSvidResult {
  /**
   * Compact JWS: header `{alg, kid, typ:"JWT"}`, claims `sub, aud, exp, iat[, iss][, jti]`; `aud` is a string
   * when there is one audience (like SPIRE/go-jose), else an array.
   */
  token: string;
  /** The `sub` claim. */
  spiffeId: string;
  /** `exp`, Unix seconds. */
  expiresAt: number;
  /** `iat`, Unix seconds. */
  issuedAt: number;
  /** The `jti` claim, when one was requested. */
  jti?: string;
}

/** Slot status in the A/B rotation journal. */
export type AuthorityStatus = 'active' | 'prepared' | 'old';

/** One authority as shown by the LocalAuthority API (`localauthority x509|jwt show`). */
export interface AuthorityState {
  /** X.509: lower-case hex SubjectKeyIdentifier of the CA certificate. JWT: the key ID. */
  authorityId: string;
  /** Expiry, Unix seconds. */
  expiresAt: number;
  /** X.509 with an upstream authority: lower-case hex SKI of the upstream cert that signed ours; else ''. */
  upstreamAuthoritySubjectKeyId: string;
  /** Whether the authority is tainted. */
  tainted: boolean;
}

/** Answer of `getX509AuthorityState()` / `getJwtAuthorityState()`. */
export interface AuthorityStates {
  /** The authority currently signing. Absent only before the CA is initialised. */
  active?: AuthorityState;
  /** The next authority, published in the bundle but not yet signing. */
  prepared?: AuthorityState;
  /** The previous authority, still in the bundle until it expires or is revoked. */
  old?: AuthorityState;
}

/**
 * Events emitted by the CA. Listeners run synchronously; exceptions they throw are logged and ignored.
 * `*-authority-prepared` is emitted for scheduled preparation only (LocalAuthority API calls answer directly).
 */
export type CaEvent =
  | { type: 'bundle-changed'; bundle: SpiffeBundle }
  | { type: 'x509-authority-prepared'; authority: AuthorityState }
  | { type: 'jwt-authority-prepared'; authority: AuthorityState }
  | { type: 'x509-authority-activated'; authority: AuthorityState }
  | { type: 'jwt-authority-activated'; authority: AuthorityState };

/** Stores the CA's private keys. Implementations cache KeyObjects; keys are never logged. */
export interface KeyManager {
  /** Generates (or replaces) the key `keyId` of `keyType`, persists it, returns the private KeyObject. */
  generateKey(keyId: string, keyType: KeyType): Promise<KeyObject>;
  /** Returns the private key `keyId`, or undefined when there is none. */
  getKey(keyId: string): Promise<KeyObject | undefined>;
}

/** `UpstreamAuthority "disk"` plugin_data (SPIRE keys in comments). */
export interface DiskUpstreamAuthorityConfig {
  /** Discriminant; absent means disk. */
  kind?: 'disk';
  /** `cert_file_path`: PEM; the upstream CA cert (then its chain up to the root when not self-signed). */
  certFilePath: string;
  /** `key_file_path`: PEM private key, EC (SEC1/PKCS#8) or RSA (PKCS#1/PKCS#8). */
  keyFilePath: string;
  /** `bundle_file_path`: PEM roots; required when the upstream cert is not self-signed. */
  bundleFilePath?: string;
}

/** `UpstreamAuthority "spire"` plugin_data: the upstream server of our trust domain and the local agent's socket. */
export interface SpireUpstreamAuthorityConfig {
  kind: 'spire';
  /** `server_address`: host name or IP of the upstream server. */
  serverAddress: string;
  /** `server_port`. */
  serverPort: number;
  /** `workload_api_socket`: the Workload API socket of the agent attested to the upstream server. */
  workloadApiSocket: string;
}

/** Either built-in UpstreamAuthority. */
export type UpstreamAuthoritySettings = DiskUpstreamAuthorityConfig | SpireUpstreamAuthorityConfig;

/** Subject of the server CA certificate (`ca_subject`). */
export interface CaSubject {
  /** C= values; default `['US']`. */
  country?: string[];
  /** O= values; default `['SPIFFE']`. */
  organization?: string[];
  /** CN= value; default none. */
  commonName?: string;
}

/** What the CA signed: an X.509-SVID, a JWT-SVID or a downstream CA certificate (SPIRE's metric key parts). */
export type SignedKind = 'x509_svid' | 'jwt_svid' | 'x509_ca_svid';

/** Options of `ServerCa.create`. */
export interface ServerCaOptions {
  /** `trust_domain`, e.g. `example.org`. */
  trustDomain: string;
  /** `data_dir`: the rotation journal `ca-journal.json` lives here. */
  dataDir: string;
  /** The KeyManager plugin (disk or memory). */
  keyManager: KeyManager;
  /** `ca_key_type`, default `ec-p256`. */
  caKeyType?: KeyType;
  /** `jwt_key_type`, default = `caKeyType`. */
  jwtKeyType?: KeyType;
  /** `ca_ttl` in seconds, default 86400. */
  caTtlSeconds?: number;
  /** `ca_subject`, default C=US, O=SPIFFE. */
  caSubject?: CaSubject;
  /** `default_x509_svid_ttl` seconds, default 3600. */
  defaultX509SvidTtlSeconds?: number;
  /** `default_jwt_svid_ttl` seconds, default 300. */
  defaultJwtSvidTtlSeconds?: number;
  /** `agent_ttl` seconds, default = `defaultX509SvidTtlSeconds`. */
  agentTtlSeconds?: number;
  /** `jwt_issuer`; when set becomes the `iss` claim. */
  jwtIssuer?: string;
  /** `UpstreamAuthority "disk"` or `"spire"`; when set our CA is an intermediate under it. */
  upstreamAuthority?: UpstreamAuthoritySettings;
  /** Clock in ms; default `Date.now`. */
  now?: Clock;
  /** Logger; default silent. */
  logger?: PluginLogger;
  /** Told after each successful signature, for SPIRE's `server_ca_sign_*` counters. */
  onSigned?: (kind: SignedKind) => void;
  /**
   * `svid_signing_workers`: worker threads that verify CSRs and sign X.509-SVIDs for
   * {@link ServerCaApi.signX509SvidsFromCsrs}; 0 or 1 (the default here) signs on the calling thread.
   */
  signingWorkers?: number;
}

/** The outcome of one CSR of a batch: the SVID, or the error that refused that CSR alone. */
export type CsrSvidOutcome = { svid: X509SvidResult } | { error: Error };

/**
 * The server CA facade (implemented by `ServerCa` in `server-ca.ts`, created with `await ServerCa.create(opts)`).
 * Errors are `LanyardError`s: bad input → `InvalidArgumentError`, ID mismatch → `PermissionDeniedError`,
 * LocalAuthority state errors → `FailedPreconditionError`/`InvalidArgumentError`/`NotFoundError` with SPIRE's messages.
 */
export interface ServerCaApi {
  /** Trust domain name without scheme. */
  readonly trustDomain: string;
  /** Issues a workload/server X.509-SVID for a known public key. */
  signX509Svid(params: X509SvidParams): X509SvidResult;
  /** Issues an agent X.509-SVID (TTL default `agent_ttl`). */
  signAgentX509Svid(params: AgentX509SvidParams): X509SvidResult;
  /** Verifies a PKCS#10 CSR and issues an X.509-SVID for its key (see {@link CsrX509SvidParams}). */
  signX509SvidFromCsr(params: CsrX509SvidParams): X509SvidResult;
  /**
   * {@link signX509SvidFromCsr} for a batch, on the signing worker threads when configured; outcomes in order,
   * each with its SVID or its own error. Throws ResourceExhaustedError when the workers' queue is full.
   */
  signX509SvidsFromCsrs(params: readonly CsrX509SvidParams[]): Promise<CsrSvidOutcome[]>;
  /** Parses a PKCS#10 CSR and verifies its signature; `InvalidArgumentError` on any defect. */
  parseCsr(csrDer: Buffer): ParsedCsr;
  /** Signs a downstream X.509 CA (`NewDownstreamX509CA`). */
  signDownstreamX509Ca(params: DownstreamX509CaParams): DownstreamX509CaResult;
  /** Mints a JWT-SVID with the active JWT key. */
  signJwtSvid(params: JwtSvidParams): JwtSvidResult;
  /**
   * The authorities this CA contributes to its own trust domain's bundle: X.509 roots (active + prepared +
   * old-but-unexpired, or the upstream roots instead of our intermediates) and JWT keys (active + prepared +
   * old-but-unexpired), revoked ones removed; taint and JWT key expiry as authority metadata, no sequence
   * number (merging into the stored bundle and numbering it is the wiring layer's job).
   */
  bundleContents(): SpiffeBundle;
  /** Subscribes to CA events; returns an unsubscribe function. */
  onEvent(listener: (event: CaEvent) => void): () => void;
  /** Convenience: subscribes to `bundle-changed` only; returns an unsubscribe function. */
  onBundleChange(listener: (bundle: SpiffeBundle) => void): () => void;
  /** One rotation step at `now()`: prepare/activate when due, drop expired old authorities. Idempotent. */
  rotate(): Promise<void>;
  /** Runs `rotate()` every 10 s (unref'd timer) and, with `UpstreamAuthority "spire"`, reads the upstream bundle every 5 s, until `stop()`. */
  start(): void;
  /** Stops the rotation timer. */
  stop(): void;
  /** Stops the rotation timer and the signing worker threads; batches then sign on the calling thread. */
  close(): Promise<void>;
  /** LocalAuthority `GetX509AuthorityState`. */
  getX509AuthorityState(): AuthorityStates;
  /** `ca_ttl` and the default SVID TTLs in effect (seconds). */
  ttlSettings(): {
    caTtlSeconds: number;
    defaultX509SvidTtlSeconds: number;
    defaultJwtSvidTtlSeconds: number;
  };
  /** LocalAuthority `PrepareX509Authority`: generates and publishes the next authority; returns it. */
  prepareX509Authority(): Promise<AuthorityState>;
  /** LocalAuthority `ActivateX509Authority`: the prepared authority `authorityId` becomes active. */
  activateX509Authority(authorityId: string): Promise<AuthorityState>;
  /** LocalAuthority `TaintX509Authority`: only the old authority; refused with an upstream authority. */
  taintX509Authority(authorityId: string): Promise<AuthorityState>;
  /** LocalAuthority `RevokeX509Authority`: only the old, tainted authority; removed from the bundle. */
  revokeX509Authority(authorityId: string): Promise<AuthorityState>;
  /**
   * LocalAuthority `TaintX509UpstreamAuthority`: taints the upstream root (hex SKI, any case) that signed the OLD
   * local authority. Requires an upstream authority. Returns the lower-case SKI.
   */
  taintX509UpstreamAuthority(subjectKeyId: string): Promise<string>;
  /** LocalAuthority `RevokeX509UpstreamAuthority`: removes that tainted upstream root from the bundle. */
  revokeX509UpstreamAuthority(subjectKeyId: string): Promise<string>;
  /** LocalAuthority `GetJWTAuthorityState`. */
  getJwtAuthorityState(): AuthorityStates;
  /** LocalAuthority `PrepareJWTAuthority`. */
  prepareJwtAuthority(): Promise<AuthorityState>;
  /** LocalAuthority `ActivateJWTAuthority`. */
  activateJwtAuthority(authorityId: string): Promise<AuthorityState>;
  /** LocalAuthority `TaintJWTAuthority`. */
  taintJwtAuthority(authorityId: string): Promise<AuthorityState>;
  /** LocalAuthority `RevokeJWTAuthority`: any tainted key in the bundle except the active and prepared ones. */
  revokeJwtAuthority(authorityId: string): Promise<AuthorityState>;
}
