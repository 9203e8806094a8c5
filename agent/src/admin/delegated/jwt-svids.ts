import type { Selector } from '@lanyard/attestor-core';
import { InvalidArgumentError, PermissionDeniedError } from '@lanyard/base';
import type { FetchJWTSVIDsResponse } from '@lanyard/proto';
import type { IdentityCache } from '../../manager/cache';
import type { JwtSvidService } from '../../workload';
import { notReady } from '../../workload/status';
import { wireSpiffeId } from './x509-svids';

/**
 * FetchJWTSVIDs' first check, before the caller is attested (SPIRE's order).
 * @throws InvalidArgumentError `audience must be specified`.
 */
export function checkAudience(audience: readonly string[]): void {
  if (audience.length === 0) {
    throw new InvalidArgumentError('audience must be specified', 'ERR_AUDIENCE_MISSING');
  }
}

/** Claims of a compact JWS needed for the response (`iat`, `exp`); zero when unreadable. */
function timesOf(token: string): { iat: number; exp: number } {
  try {
    const claims = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()) as {
      iat?: unknown;
      exp?: unknown;
    };
    return {
      iat: typeof claims.iat === 'number' ? claims.iat : 0,
      exp: typeof claims.exp === 'number' ? claims.exp : 0,
    };
  } catch {
    return { iat: 0, exp: 0 };
  }
}

/**
 * One JWT-SVID per entry matching `selectors` (admin and downstream entries excluded), minted or taken from the
 * agent's token cache for `audience`.
 * @throws UnavailableError before the first sync or when a token cannot be minted; PermissionDeniedError
 *   `no identity issued` when no entry qualifies.
 */
export async function fetchDelegatedJwtSvids(
  cache: IdentityCache,
  jwt: JwtSvidService,
  selectors: readonly Selector[],
  audience: readonly string[],
): Promise<FetchJWTSVIDsResponse> {
  if (!cache.isReady()) throw notReady();
  const entries = cache.match(selectors).entries.filter((e) => !e.admin && !e.downstream);
  if (entries.length === 0) throw new PermissionDeniedError('no identity issued', 'ERR_NO_IDENTITY');
  const svids = await Promise.all(
    entries.map(async (entry) => {
      const token = await jwt.fetch(entry, audience);
      const { iat, exp } = timesOf(token);
      return { token, id: wireSpiffeId(entry.spiffeId), expires_at: exp, issued_at: iat, hint: entry.hint };
    }),
  );
  return { svids };
}
