import {
  type JWTPayload,
  type ProtectedHeaderParameters,
  decodeJwt,
  decodeProtectedHeader,
  errors,
  importJWK,
  jwtVerify,
} from 'jose';
import type { TestJwk } from './test-jwt-key';

const ALLOWED_ALGS = ['ES256', 'ES384', 'ES512', 'RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512'];
const LEEWAY_SECONDS = 60;

/** Outcome of {@link validateJwtForTestServer}: the claims, or a reason the server reports as INVALID_ARGUMENT. */
export type JwtValidation =
  { ok: true; spiffeId: string; claims: Record<string, unknown> } | { ok: false; reason: string };

/** Thrown by the key lookup; its message is the reason reported. */
class Refusal extends Error {}

/**
 * The test server's own small JWT-SVID check with `jose` (independent of the library under test): allowed `alg`,
 * `kid` present, key found in the bundle of `sub`'s trust domain, signature, audience membership, `exp` with 60 s
 * leeway. `bundles` maps `spiffe://<td>` to that TD's JWT keys.
 */
export async function validateJwtForTestServer(
  token: string,
  audience: string,
  bundles: Map<string, TestJwk[]>,
): Promise<JwtValidation> {
  let sub: unknown;
  let alg: unknown;
  try {
    ({ alg } = decodeProtectedHeader(token));
    ({ sub } = decodeJwt(token));
  } catch {
    return { ok: false, reason: 'token is not a compact JWS with JSON object header and claims' };
  }
  // The subject (unverified) names the trust domain whose bundle holds the key, as SPIFFE prescribes.
  const td = typeof sub === 'string' ? /^spiffe:\/\/([^/]+)\//.exec(sub) : null;
  if (!td) return { ok: false, reason: 'token has an invalid subject claim' };
  let claims: JWTPayload;
  try {
    ({ payload: claims } = await jwtVerify(token, (header) => keyFor(header, bundles, td[1]), {
      algorithms: ALLOWED_ALGS,
      audience,
      clockTolerance: LEEWAY_SECONDS,
      requiredClaims: ['exp'],
    }));
  } catch (error) {
    return { ok: false, reason: reasonFor(error, alg) };
  }
  const aud = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
  return { ok: true, spiffeId: String(claims.sub), claims: { ...claims, aud } };
}

async function keyFor(header: ProtectedHeaderParameters, bundles: Map<string, TestJwk[]>, td: string) {
  if (typeof header.kid !== 'string' || header.kid === '') throw new Refusal('token header missing key id');
  // Bundle keys carry `use: "jwt-svid"`, which jose's JWKS helpers skip, so the key is imported directly.
  const jwk = bundles.get(`spiffe://${td}`)?.find((key) => key.kid === header.kid);
  if (!jwk) throw new Refusal(`no JWT authority "${header.kid}" found for trust domain "${td}"`);
  return importJWK({ ...jwk, use: undefined }, header.alg);
}

function reasonFor(error: unknown, alg: unknown): string {
  if (error instanceof Refusal) return error.message;
  if (error instanceof errors.JOSEAlgNotAllowed || error instanceof errors.JWSInvalid)
    return `unsupported token signature algorithm ${JSON.stringify(alg)}`;
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'unable to verify token signature';
  if (error instanceof errors.JWTExpired) return 'token has expired';
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === 'aud') {
      const aud = error.payload.aud;
      return `expected audience in ${JSON.stringify(Array.isArray(aud) ? aud : [aud])}`;
    }
    if (error.claim === 'exp') return 'token missing exp claim';
    return `token claim ${error.claim} is invalid`;
  }
  return `unable to verify token: ${(error as Error).message}`;
}
