import type { KeyObject } from 'node:crypto';
import { compactVerify, decodeJwt } from 'jose';

/** What a Google API accepts a self-signed JWT for: its audience (`https://<service>/`) or one of these scopes. */
export interface JwtAccessTarget {
  readonly audience: string;
  readonly scopes: readonly string[];
}

/**
 * Checks a self-signed service-account JWT used directly as a Bearer token (Google's "JWT access" for service
 * accounts, no token exchange): RS256 signed by the key registered for `iss`, `sub` equal to `iss`, not expired,
 * at most one hour long, and scoped to one of `target.scopes` or addressed to `target.audience`.
 * @returns the service account email, or undefined when the token is not acceptable.
 */
export async function verifyJwtAccess(
  token: string,
  keys: ReadonlyMap<string, KeyObject>,
  target: JwtAccessTarget,
  nowSeconds = Math.floor(Date.now() / 1000),
): Promise<string | undefined> {
  let claims: ReturnType<typeof decodeJwt>;
  try {
    claims = decodeJwt(token);
  } catch {
    return undefined;
  }
  const email = claims.iss;
  const key = email === undefined ? undefined : keys.get(email);
  if (key === undefined || claims.sub !== email) return undefined;
  try {
    await compactVerify(token, key, { algorithms: ['RS256'] });
  } catch {
    return undefined;
  }
  const { iat, exp } = claims;
  if (typeof iat !== 'number' || typeof exp !== 'number') return undefined;
  if (exp <= nowSeconds || iat > nowSeconds + 60 || exp - iat > 3600) return undefined;
  const scopes = typeof claims.scope === 'string' ? claims.scope.split(' ') : [];
  const scoped = scopes.some((s) => target.scopes.includes(s));
  return scoped || claims.aud === target.audience ? email : undefined;
}
