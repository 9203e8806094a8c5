import * as crypto from 'node:crypto';
import type { TestJwk } from './test-jwt-key';

const ALLOWED_ALGS: Record<string, { digest: string; pss?: boolean; ec?: boolean }> = {
  ES256: { digest: 'sha256', ec: true },
  ES384: { digest: 'sha384', ec: true },
  ES512: { digest: 'sha512', ec: true },
  RS256: { digest: 'sha256' },
  RS384: { digest: 'sha384' },
  RS512: { digest: 'sha512' },
  PS256: { digest: 'sha256', pss: true },
  PS384: { digest: 'sha384', pss: true },
  PS512: { digest: 'sha512', pss: true },
};

const LEEWAY_SECONDS = 60;

/** Outcome of {@link validateJwtForTestServer}: the claims, or a reason the server reports as INVALID_ARGUMENT. */
export type JwtValidation =
  { ok: true; spiffeId: string; claims: Record<string, unknown> } | { ok: false; reason: string };

function decodeJson(part: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    return value && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

function verifySignature(alg: string, jwk: TestJwk, signingInput: string, signature: Buffer): boolean {
  const scheme = ALLOWED_ALGS[alg];
  const key = crypto.createPublicKey({ key: jwk as crypto.JsonWebKey, format: 'jwk' });
  const options: crypto.VerifyKeyObjectInput | crypto.VerifyPublicKeyInput = scheme.ec
    ? { key, dsaEncoding: 'ieee-p1363' }
    : scheme.pss
      ? {
          key,
          padding: crypto.constants.RSA_PKCS1_PSS_PADDING,
          saltLength: crypto.constants.RSA_PSS_SALTLEN_DIGEST,
        }
      : { key };
  return crypto.verify(scheme.digest, Buffer.from(signingInput), options, signature);
}

/**
 * The test server's own small JWT-SVID check (independent of the library under test): allowed `alg`, `kid`
 * present, key found in the bundle of `sub`'s trust domain, signature, audience membership, `exp` with 60 s
 * leeway. `bundles` maps `spiffe://<td>` to that TD's JWT keys.
 */
export function validateJwtForTestServer(
  token: string,
  audience: string,
  bundles: Map<string, TestJwk[]>,
): JwtValidation {
  const parts = token.split('.');
  if (parts.length !== 3) return { ok: false, reason: 'token is not a compact JWS' };
  const header = decodeJson(parts[0]);
  const claims = decodeJson(parts[1]);
  if (!header || !claims) return { ok: false, reason: 'token header or claims are not JSON objects' };
  const alg = String(header.alg);
  if (!(alg in ALLOWED_ALGS)) return { ok: false, reason: `unsupported token signature algorithm "${alg}"` };
  if (typeof header.kid !== 'string' || header.kid === '')
    return { ok: false, reason: 'token header missing key id' };
  const sub = typeof claims.sub === 'string' ? claims.sub : '';
  const td = /^spiffe:\/\/([^/]+)\//.exec(sub);
  if (!td) return { ok: false, reason: 'token has an invalid subject claim' };
  const jwk = bundles.get(`spiffe://${td[1]}`)?.find((key) => key.kid === header.kid);
  if (!jwk)
    return { ok: false, reason: `no JWT authority "${header.kid}" found for trust domain "${td[1]}"` };
  if (!verifySignature(alg, jwk, `${parts[0]}.${parts[1]}`, Buffer.from(parts[2], 'base64url'))) {
    return { ok: false, reason: 'unable to verify token signature' };
  }
  const aud = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
  if (!aud.includes(audience)) return { ok: false, reason: `expected audience in ${JSON.stringify(aud)}` };
  if (typeof claims.exp !== 'number') return { ok: false, reason: 'token missing exp claim' };
  if (claims.exp + LEEWAY_SECONDS < Date.now() / 1000) return { ok: false, reason: 'token has expired' };
  return { ok: true, spiffeId: sub, claims: { ...claims, aud } };
}
