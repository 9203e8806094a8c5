import { KeyObject } from 'node:crypto';
import { JwtSvidError } from '../errors/jwt-svid-error';
import { SpiffeId } from '../id';
import { JwtSvidAlgorithm, createSignature, defaultAlgorithm, keyFitsAlgorithm } from './algorithms';

/** The signing key of a JWT-SVID issuer. */
export interface JwtSvidSigner {
  /** Private key (EC P-256/384/521 or RSA). */
  readonly key: KeyObject;
  /** Key ID, equal to the `kid` of the matching `jwt-svid` key in the trust domain bundle. */
  readonly kid: string;
  /** Defaults to ES256/ES384/ES512 by curve, RS256 for RSA. */
  readonly alg?: JwtSvidAlgorithm;
}

/** The claims of a JWT-SVID to mint. */
export interface JwtSvidClaimsInput {
  readonly sub: SpiffeId | string;
  /** One or more audiences; empty strings are dropped, at least one must remain. */
  readonly aud: string | readonly string[];
  /** Expiry: a Date or NumericDate seconds. */
  readonly exp: Date | number;
  /** Issued-at (default: now). */
  readonly iat?: Date | number;
  readonly iss?: string;
  /** Further claims; must not repeat `sub`, `aud`, `exp`, `iat` or `iss`. */
  readonly extra?: Readonly<Record<string, unknown>>;
}

const RESERVED = new Set(['sub', 'aud', 'exp', 'iat', 'iss']);

function bad(problem: string): JwtSvidError {
  return new JwtSvidError('ERR_JWT_SVID_SIGN', `jwt-svid signing: ${problem}`);
}

function toSeconds(v: Date | number, name: string): number {
  const s = v instanceof Date ? Math.floor(v.getTime() / 1000) : v;
  if (!Number.isFinite(s)) throw bad(`"${name}" is not a valid time`);
  return s;
}

function encode(value: unknown): string {
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
}

/**
 * Mints a JWT-SVID as a compact JWS with header `{alg, kid, typ: "JWT"}` and claims `aud`, `exp`, `iat`,
 * `iss` (if given), `sub` and `extra`. `aud` is a string when there is one audience, else an array.
 * @throws JwtSvidError (`ERR_JWT_SVID_SIGN`) for a bad key, kid, subject, audience or claim.
 */
export function signJwtSvid(signer: JwtSvidSigner, input: JwtSvidClaimsInput): string {
  if (signer.key.type !== 'private') throw bad('key is not a private key');
  if (!signer.kid) throw bad('"kid" is required');
  const alg = signer.alg ?? defaultAlgorithm(signer.key);
  if (!keyFitsAlgorithm(signer.key, alg)) throw bad(`key cannot sign ${alg}`);
  const sub = typeof input.sub === 'string' ? SpiffeId.parse(input.sub) : input.sub;
  const aud = (typeof input.aud === 'string' ? [input.aud] : [...input.aud]).filter((a) => a !== '');
  if (aud.length === 0) throw bad('"aud" needs at least one non-empty audience');
  const claims: Record<string, unknown> = {
    aud: aud.length === 1 ? aud[0] : aud,
    exp: toSeconds(input.exp, 'exp'),
    iat: toSeconds(input.iat ?? new Date(), 'iat'),
  };
  if (input.iss !== undefined) claims.iss = input.iss;
  claims.sub = sub.toString();
  for (const [name, value] of Object.entries(input.extra ?? {})) {
    if (RESERVED.has(name)) throw bad(`extra claim "${name}" would override a reserved claim`);
    claims[name] = value;
  }
  const signingInput = `${encode({ alg, kid: signer.kid, typ: 'JWT' })}.${encode(claims)}`;
  const signature = createSignature(alg, signer.key, Buffer.from(signingInput, 'latin1'));
  return `${signingInput}.${signature.toString('base64url')}`;
}
