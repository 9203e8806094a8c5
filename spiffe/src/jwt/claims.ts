/** Reading the JOSE header and the SPIFFE claims of a JWT-SVID, and the time/audience checks (SPIFFE.md §3). */
import { JwtSvidError, type JwtSvidErrorCode } from '../errors/jwt-svid-error';
import { SpiffeId } from '../id';
import { JwtSvidAlgorithm, isJwtSvidAlgorithm } from './algorithms';
import { malformedToken } from './compact';

/** Clock skew tolerated on `exp`, `nbf` and `iat`, in seconds (as go-spiffe). */
export const JWT_SVID_LEEWAY_SECONDS = 60;

/** The checked JOSE header fields. */
export interface JwtSvidHeader {
  readonly alg: JwtSvidAlgorithm;
  /** Key ID; empty string if the token has none (such tokens never validate). */
  readonly kid: string;
  readonly typ?: string;
}

/** The checked SPIFFE claims. */
export interface JwtSvidClaims {
  readonly id: SpiffeId;
  readonly audience: string[];
  /** `exp`, `nbf`, `iat` as NumericDate seconds. */
  readonly exp: number;
  readonly nbf?: number;
  readonly iat?: number;
}

/** Checks `alg` (allow-list), `typ` (JWT or JOSE when present), `kid` (string when present) and refuses `crit`. */
export function readHeader(header: Record<string, unknown>): JwtSvidHeader {
  const { alg, typ, kid } = header;
  if (!isJwtSvidAlgorithm(alg)) {
    throw new JwtSvidError(
      'ERR_JWT_SVID_ALG',
      `jwt-svid: header "alg" ${JSON.stringify(alg) ?? 'missing'} is not allowed`,
    );
  }
  if (typ !== undefined && typ !== 'JWT' && typ !== 'JOSE') {
    throw malformedToken(`header "typ" must be "JWT" or "JOSE", got ${JSON.stringify(typ)}`);
  }
  if (kid !== undefined && typeof kid !== 'string') throw malformedToken('header "kid" is not a string');
  if (header.crit !== undefined) throw malformedToken('header "crit" is not supported');
  return { alg, kid: kid ?? '', typ };
}

function numericDate(claims: Record<string, unknown>, name: string, required: boolean): number | undefined {
  const v = claims[name];
  if (v === undefined) {
    if (required) throw malformedToken(`claim "${name}" is missing`);
    return undefined;
  }
  if (typeof v !== 'number' || !Number.isFinite(v)) throw malformedToken(`claim "${name}" is not a number`);
  return v;
}

function readAudience(aud: unknown): string[] {
  if (typeof aud === 'string') return [aud];
  if (Array.isArray(aud) && aud.every((a): a is string => typeof a === 'string')) return aud;
  if (aud === undefined) throw malformedToken('claim "aud" is missing');
  throw malformedToken('claim "aud" must be a string or an array of strings');
}

/** Reads `sub` (a SPIFFE ID), `exp` (required), `aud` (string or array, required), `nbf` and `iat`. */
export function readClaims(claims: Record<string, unknown>): JwtSvidClaims {
  const { sub } = claims;
  if (typeof sub !== 'string' || sub.length === 0)
    throw malformedToken('claim "sub" is missing or not a string');
  const exp = numericDate(claims, 'exp', true) as number;
  let id: SpiffeId;
  try {
    id = SpiffeId.parse(sub);
  } catch (err) {
    throw new JwtSvidError(
      'ERR_JWT_SVID_MALFORMED',
      `jwt-svid: claim "sub" is not a spiffe id: ${(err as Error).message}`,
      { cause: err },
    );
  }
  const audience = readAudience(claims.aud);
  if (audience.length === 0) throw malformedToken('claim "aud" is empty');
  return {
    id,
    audience,
    exp,
    nbf: numericDate(claims, 'nbf', false),
    iat: numericDate(claims, 'iat', false),
  };
}

function rejected(message: string, code: JwtSvidErrorCode): JwtSvidError {
  return new JwtSvidError(code, `jwt-svid: ${message}`);
}

/** Checks audience (any-of, exact match) and the time claims with a 60-second leeway at `nowSeconds`. */
export function checkClaims(c: JwtSvidClaims, expected: readonly string[], nowSeconds: number): void {
  if (!expected.some((a) => c.audience.includes(a))) {
    throw rejected(
      `audience ${JSON.stringify(c.audience)} does not include any of ${JSON.stringify(expected)}`,
      'ERR_JWT_SVID_AUDIENCE',
    );
  }
  if (nowSeconds - JWT_SVID_LEEWAY_SECONDS > c.exp)
    throw rejected('token has expired', 'ERR_JWT_SVID_EXPIRED');
  if (c.nbf !== undefined && nowSeconds + JWT_SVID_LEEWAY_SECONDS < c.nbf) {
    throw rejected('token is not valid yet', 'ERR_JWT_SVID_NOT_YET_VALID');
  }
  if (c.iat !== undefined && nowSeconds + JWT_SVID_LEEWAY_SECONDS < c.iat) {
    throw rejected('token was issued in the future', 'ERR_JWT_SVID_ISSUED_IN_FUTURE');
  }
}
