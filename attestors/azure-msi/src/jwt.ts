import { type KeyObject, verify } from 'node:crypto';
import { InvalidArgumentError, PermissionDeniedError } from '@lanyard/base';

/** A compact JWS split into its decoded parts. */
export interface ParsedJwt {
  readonly header: Record<string, unknown>;
  readonly claims: Record<string, unknown>;
  readonly signingInput: Buffer;
  readonly signature: Buffer;
}

/**
 * Splits and decodes a compact JWT without trusting it.
 * @throws InvalidArgumentError naming what is malformed.
 */
export function parseJwt(token: string, plugin: string): ParsedJwt {
  const parts = token.split('.');
  if (parts.length !== 3)
    throw new InvalidArgumentError(`${plugin}: unable to parse token: not a compact JWT`, 'ERR_JWT');
  return {
    header: decode(parts[0], 'header', plugin),
    claims: decode(parts[1], 'claims', plugin),
    signingInput: Buffer.from(`${parts[0]}.${parts[1]}`),
    signature: Buffer.from(parts[2], 'base64url'),
  };
}

/**
 * Checks an RS256 signature with the key found for the token's `kid`.
 * @throws InvalidArgumentError for another alg or a missing kid; PermissionDeniedError when it does not verify.
 */
export async function verifyRs256(
  jwt: ParsedJwt,
  keyFor: (kid: string) => Promise<KeyObject | undefined>,
  plugin: string,
): Promise<void> {
  if (jwt.header.alg !== 'RS256') {
    throw new InvalidArgumentError(
      `${plugin}: token alg ${JSON.stringify(jwt.header.alg)} is not RS256`,
      'ERR_JWT',
    );
  }
  if (typeof jwt.header.kid !== 'string')
    throw new InvalidArgumentError(`${plugin}: token missing key id`, 'ERR_JWT');
  const key = await keyFor(jwt.header.kid);
  if (!key) throw new PermissionDeniedError(`${plugin}: key id "${jwt.header.kid}" not found`, 'ERR_JWT');
  if (!verify('sha256', jwt.signingInput, key, jwt.signature)) {
    throw new PermissionDeniedError(`${plugin}: unable to verify token signature`, 'ERR_JWT');
  }
}

/**
 * Checks `exp`, `nbf` and `iat` against `nowSeconds` with `leewaySeconds` either way.
 * @throws PermissionDeniedError when the token is expired or not yet valid.
 */
export function checkTimes(
  claims: Record<string, unknown>,
  nowSeconds: number,
  leewaySeconds: number,
  plugin: string,
): void {
  if (typeof claims.exp !== 'number')
    throw new InvalidArgumentError(`${plugin}: token has no exp claim`, 'ERR_JWT');
  if (claims.exp + leewaySeconds < nowSeconds)
    throw new PermissionDeniedError(`${plugin}: token has expired`, 'ERR_JWT');
  for (const claim of ['nbf', 'iat'] as const) {
    const value = claims[claim];
    if (typeof value === 'number' && value - leewaySeconds > nowSeconds) {
      throw new PermissionDeniedError(
        `${plugin}: token is not valid yet (${claim} in the future)`,
        'ERR_JWT',
      );
    }
  }
}

function decode(part: string, what: string, plugin: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    if (typeof value === 'object' && value !== null && !Array.isArray(value))
      return value as Record<string, unknown>;
  } catch {
    // fall through
  }
  throw new InvalidArgumentError(`${plugin}: unable to parse token: ${what} is not a JSON object`, 'ERR_JWT');
}
