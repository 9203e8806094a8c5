import { LanyardError } from '@lanyard/base';
import { JwtSvidError } from '../errors/jwt-svid-error';
import type { SpiffeId } from '../id';
import type { JwtBundleSource } from '../bundle/source';
import { JwtSvidAlgorithm, keyFitsAlgorithm, verifySignature } from './algorithms';
import { JwtSvidClaims, checkClaims, readClaims, readHeader } from './claims';
import { decodeCompactJws } from './compact';

/** Options of {@link JwtSvid.parseInsecure}. */
export interface JwtSvidParseOptions {
  /** Expected audience(s): the token must name at least one of them. Required, never empty. */
  readonly audience: string | readonly string[];
  /** The time to validate at (default: now). Inject a clock in tests. */
  readonly now?: Date | number;
  /** Operator hint to attach (from the Workload API). */
  readonly hint?: string;
}

/** Options of {@link JwtSvid.parseAndValidate}: the audience plus where the signing keys come from. */
export interface JwtSvidValidateOptions extends JwtSvidParseOptions {
  /** The JWT bundles to verify against (a bundle, a bundle set, a `JwtSource`, …). */
  readonly bundles: JwtBundleSource;
}

function untrusted(message: string, cause?: unknown): JwtSvidError {
  return new JwtSvidError('ERR_JWT_SVID_UNTRUSTED', `jwt-svid: ${message}`, { cause });
}

function nowSeconds(now: Date | number | undefined): number {
  return (now === undefined ? Date.now() : Number(now)) / 1000;
}

function expectedAudiences(audience: string | readonly string[]): readonly string[] {
  const audiences = typeof audience === 'string' ? (audience === '' ? [] : [audience]) : audience;
  if (audiences.length === 0)
    throw new JwtSvidError(
      'ERR_JWT_SVID_AUDIENCE_MISSING',
      'jwt-svid: at least one expected audience is required',
    );
  return audiences;
}

/**
 * A JWT-SVID (SPIFFE.md §3). Immutable. Obtain one with {@link JwtSvid.parseAndValidate} (signature checked
 * against the bundle of the subject's trust domain) or {@link JwtSvid.parseInsecure} (claims only; use when the
 * token came from a trusted channel such as the Workload API).
 *
 * @example
 * ```ts
 * const svid = JwtSvid.parseAndValidate(token, { bundles, audience: 'spiffe://example.org/api' });
 * svid.id.toString(); // the caller's SPIFFE ID
 * ```
 */
export class JwtSvid {
  /** The subject's SPIFFE ID (`sub`). */
  readonly id: SpiffeId;
  /** `aud`, always as an array. */
  readonly audience: readonly string[];
  /** `exp` as a Date. */
  readonly expiry: Date;
  /** `iat` as a Date, if present. */
  readonly issuedAt?: Date;
  /** Every claim of the payload. Do not trust non-SPIFFE claims across trust domains. */
  readonly claims: Readonly<Record<string, unknown>>;
  /** The compact token. Never log it. */
  readonly token: string;
  /** Header `alg`. */
  readonly alg: JwtSvidAlgorithm;
  /** Header `kid` (empty if absent). */
  readonly kid: string;
  /** Operator hint from the Workload API, if any. */
  readonly hint?: string;

  private constructor(
    token: string,
    alg: JwtSvidAlgorithm,
    kid: string,
    c: JwtSvidClaims,
    claims: Record<string, unknown>,
    hint?: string,
  ) {
    this.token = token;
    this.alg = alg;
    this.kid = kid;
    this.id = c.id;
    this.audience = Object.freeze([...c.audience]);
    this.expiry = new Date(c.exp * 1000);
    this.issuedAt = c.iat === undefined ? undefined : new Date(c.iat * 1000);
    this.claims = Object.freeze(claims);
    this.hint = hint || undefined;
  }

  /**
   * Parses a token and validates it: allowed `alg`, `typ`, claims, `kid` found in the JWT bundle of the `sub`'s
   * trust domain, signature, then audience (any of `options.audience`) and time claims with 60 s leeway.
   * @throws JwtSvidError: `ERR_JWT_SVID_MALFORMED`/`_ALG` for malformed tokens; `ERR_JWT_SVID_UNTRUSTED`,
   *   `_AUDIENCE`, `_EXPIRED`, `_NOT_YET_VALID`, `_ISSUED_IN_FUTURE` (UNAUTHENTICATED) when it does not validate.
   */
  static parseAndValidate(token: string, options: JwtSvidValidateOptions): JwtSvid {
    const audiences = expectedAudiences(options.audience);
    const jws = decodeCompactJws(token);
    const header = readHeader(jws.header);
    const c = readClaims(jws.claims);
    if (header.kid === '') throw untrusted('header "kid" is missing');
    let bundle;
    try {
      bundle = options.bundles.getJwtBundleForTrustDomain(c.id.trustDomain);
    } catch (err) {
      if (!(err instanceof LanyardError)) throw err;
      throw untrusted(`no jwt bundle for trust domain "${c.id.trustDomain.name}"`, err);
    }
    const key = bundle.findJwtAuthority(header.kid);
    if (!key)
      throw untrusted(`no key ${JSON.stringify(header.kid)} in the bundle of "${c.id.trustDomain.name}"`);
    if (!keyFitsAlgorithm(key, header.alg))
      throw untrusted(`key ${JSON.stringify(header.kid)} cannot verify ${header.alg}`);
    if (!verifySignature(header.alg, key, jws.signingInput, jws.signature))
      throw untrusted('signature is invalid');
    checkClaims(c, audiences, nowSeconds(options.now));
    return new JwtSvid(token, header.alg, header.kid, c, jws.claims, options.hint);
  }

  /**
   * Parses a token and checks its header and claims (including audience and expiry) but NOT its signature.
   * Only for tokens received over a trusted channel.
   * @throws as {@link JwtSvid.parseAndValidate}, minus the signature/bundle errors.
   */
  static parseInsecure(token: string, options: JwtSvidParseOptions): JwtSvid {
    const audiences = expectedAudiences(options.audience);
    const jws = decodeCompactJws(token);
    const header = readHeader(jws.header);
    const c = readClaims(jws.claims);
    checkClaims(c, audiences, nowSeconds(options.now));
    return new JwtSvid(token, header.alg, header.kid, c, jws.claims, options.hint);
  }

  /** The compact token. */
  marshal(): string {
    return this.token;
  }
}
