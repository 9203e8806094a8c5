import { type JWK, type JWTPayload, compactVerify, decodeJwt, decodeProtectedHeader, importJWK } from 'jose';

/** How a cloud trusts one OIDC issuer: what it accepts and how much clock skew it allows. */
export interface OidcTrust {
  /** The issuer URL, compared byte for byte with the token's `iss` and the discovery document's `issuer`. */
  readonly issuer: string;
  /** Accepted `aud` values; the token must carry at least one. */
  readonly audiences: readonly string[];
  /** Accepted JOSE `alg` values. */
  readonly algorithms: readonly string[];
  /** Seconds of leeway on `exp`, `nbf` and `iat`. */
  readonly clockSkewSeconds: number;
  /** Longest accepted `exp - iat`, when the cloud caps it. */
  readonly maxLifetimeSeconds?: number;
  /** "Now" in seconds since the epoch (default: the wall clock). */
  readonly nowSeconds?: number;
}

/** Why a token was refused; each cloud fake maps these to its own error codes. */
export type OidcRejectionReason =
  | 'malformed'
  | 'issuer'
  | 'idp-unreachable'
  | 'discovery'
  | 'unknown-kid'
  | 'algorithm'
  | 'signature'
  | 'audience'
  | 'expired'
  | 'not-yet-valid'
  | 'issued-in-future'
  | 'lifetime'
  | 'missing-claim';

/** A refused token: the reason and a human message naming what did not match. */
export interface OidcRejection {
  readonly reason: OidcRejectionReason;
  readonly detail: string;
}

/** A token whose signature and claims checked out. */
export interface VerifiedOidcToken {
  readonly alg: string;
  readonly kid: string;
  readonly iss: string;
  readonly sub: string;
  /** The token's audiences (a string `aud` becomes a one-element list). */
  readonly aud: readonly string[];
  /** The first of the token's audiences the trust accepts. */
  readonly matchedAudience: string;
  readonly exp: number;
  readonly claims: JWTPayload;
}

/** Signature algorithms of the RSA family (all Entra ID accepts). */
export const RSA_ALGORITHMS: readonly string[] = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512'];
/** Every asymmetric JWS algorithm (what AWS and GCP accept). */
export const ASYMMETRIC_ALGORITHMS: readonly string[] = [...RSA_ALGORITHMS, 'ES256', 'ES384', 'ES512'];

/** Decodes a token's claims without verifying anything, or `undefined` when it is not a JWT. */
export function peekClaims(token: string): JWTPayload | undefined {
  try {
    return decodeJwt(token);
  } catch {
    return undefined;
  }
}

/** True when `url` may be fetched: `https:`, or `http:` on a loopback host only (as the tests' issuers are). */
export function isFetchableIssuerUrl(url: string): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  if (parsed.protocol === 'https:') return true;
  return parsed.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(parsed.hostname);
}

/**
 * Verifies a federated JWT the way the clouds do: discovery document and JWKS fetched from the issuer URL (plain
 * http on loopback only), key chosen by `kid`, allowed `alg`, exact `iss`, an accepted audience, and `exp`/`nbf`/`iat`
 * within the skew. Nothing is cached: each call fetches the keys, so rotations are seen at once.
 */
export async function verifyFederatedToken(
  token: string,
  trust: OidcTrust,
): Promise<VerifiedOidcToken | OidcRejection> {
  let header: { alg?: string; kid?: string };
  let claims: JWTPayload;
  try {
    header = decodeProtectedHeader(token);
    claims = decodeJwt(token);
  } catch (error) {
    return reject('malformed', `the token is not a JWT (${(error as Error).message})`);
  }
  if (claims.iss !== trust.issuer) {
    return reject('issuer', `issuer '${String(claims.iss)}' is not the trusted issuer '${trust.issuer}'`);
  }
  const alg = header.alg ?? '';
  if (!trust.algorithms.includes(alg))
    return reject('algorithm', `signing algorithm '${alg}' is not accepted`);
  const keys = await fetchIssuerKeys(trust.issuer);
  if ('reason' in keys) return keys;
  const jwk = keys.find((k) => k.kid !== undefined && k.kid === header.kid);
  if (!jwk) return reject('unknown-kid', `no key with kid '${String(header.kid)}' in the issuer's JWKS`);
  try {
    const { use: _use, ...keyMembers } = jwk;
    await compactVerify(token, await importJWK(keyMembers, alg));
  } catch {
    return reject('signature', `the signature does not verify with key '${String(header.kid)}'`);
  }
  return checkClaims(claims, trust, alg, String(header.kid));
}

function checkClaims(
  claims: JWTPayload,
  trust: OidcTrust,
  alg: string,
  kid: string,
): VerifiedOidcToken | OidcRejection {
  const now = trust.nowSeconds ?? Math.floor(Date.now() / 1000);
  const skew = trust.clockSkewSeconds;
  if (typeof claims.sub !== 'string' || claims.sub === '')
    return reject('missing-claim', 'the token has no sub');
  if (typeof claims.exp !== 'number') return reject('missing-claim', 'the token has no exp');
  if (typeof claims.iat !== 'number') return reject('missing-claim', 'the token has no iat');
  const aud = typeof claims.aud === 'string' ? [claims.aud] : (claims.aud ?? []);
  const matchedAudience = aud.find((a) => trust.audiences.includes(a));
  if (matchedAudience === undefined) {
    return reject(
      'audience',
      `audience ${JSON.stringify(aud)} is not one of ${JSON.stringify(trust.audiences)}`,
    );
  }
  if (claims.exp + skew <= now) return reject('expired', `the token expired at ${isoSeconds(claims.exp)}`);
  if (typeof claims.nbf === 'number' && claims.nbf - skew > now) {
    return reject('not-yet-valid', `the token is not valid before ${isoSeconds(claims.nbf)}`);
  }
  if (claims.iat - skew > now) return reject('issued-in-future', `the token is issued in the future`);
  if (trust.maxLifetimeSeconds !== undefined && claims.exp - claims.iat > trust.maxLifetimeSeconds) {
    return reject('lifetime', `the token lives longer than ${trust.maxLifetimeSeconds} s`);
  }
  return { alg, kid, iss: trust.issuer, sub: claims.sub, aud, matchedAudience, exp: claims.exp, claims };
}

async function fetchIssuerKeys(issuer: string): Promise<Array<JWK & { use?: string }> | OidcRejection> {
  if (!isFetchableIssuerUrl(issuer)) {
    return reject('discovery', `issuer '${issuer}' is not https (plain http is accepted on loopback only)`);
  }
  const discovery = await fetchJson(`${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`);
  if ('reason' in discovery) return discovery;
  const doc = discovery as { issuer?: unknown; jwks_uri?: unknown };
  if (doc.issuer !== issuer) {
    return reject('discovery', `discovery issuer '${String(doc.issuer)}' differs from '${issuer}'`);
  }
  if (typeof doc.jwks_uri !== 'string' || !isFetchableIssuerUrl(doc.jwks_uri)) {
    return reject('discovery', `discovery jwks_uri '${String(doc.jwks_uri)}' is missing or not https`);
  }
  const jwks = await fetchJson(doc.jwks_uri);
  if ('reason' in jwks) return jwks;
  const keys = (jwks as { keys?: unknown }).keys;
  if (!Array.isArray(keys)) return reject('discovery', 'the JWKS has no keys array');
  return keys as Array<JWK & { use?: string }>;
}

async function fetchJson(url: string): Promise<object | OidcRejection> {
  let response: Response;
  try {
    response = await fetch(url, { redirect: 'error', signal: AbortSignal.timeout(10_000) });
  } catch (error) {
    return reject('idp-unreachable', `could not reach ${url}: ${(error as Error).message}`);
  }
  if (!response.ok) return reject('discovery', `${url} answered HTTP ${response.status}`);
  try {
    const value: unknown = await response.json();
    if (typeof value !== 'object' || value === null) throw new Error('not an object');
    return value;
  } catch {
    return reject('discovery', `${url} did not answer a JSON object`);
  }
}

function reject(reason: OidcRejectionReason, detail: string): OidcRejection {
  return { reason, detail };
}

function isoSeconds(seconds: number): string {
  return new Date(seconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** True when a verification result is a refusal. */
export function isRejection(result: VerifiedOidcToken | OidcRejection): result is OidcRejection {
  return 'reason' in result;
}
