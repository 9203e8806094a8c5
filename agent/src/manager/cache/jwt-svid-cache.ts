import * as crypto from 'node:crypto';
import { InvalidArgumentError } from '@lanyard/base';

/** A JWT-SVID as minted by the server. */
export interface CachedJwtSvid {
  /** Compact JWS. */
  readonly token: string;
  readonly spiffeId: string;
  readonly issuedAt: Date;
  readonly expiresAt: Date;
}

/**
 * LRU of JWT-SVIDs keyed by SHA-256 over the SPIFFE ID and the sorted audience list (SPIRE's key), with a hard
 * size cap (`jwt_svid_cache_max_size`). A token is fresh until half its lifetime has passed; an expired token
 * is never returned.
 */
export class JwtSvidCache {
  private readonly tokens = new Map<string, CachedJwtSvid>();

  constructor(private readonly maxSize = 1000) {
    if (!Number.isInteger(maxSize) || maxSize < 0) {
      throw new InvalidArgumentError('jwt_svid_cache_max_size should not be negative', 'ERR_CACHE_SIZE');
    }
  }

  /** Number of cached tokens. */
  get size(): number {
    return this.tokens.size;
  }

  /** A token that is still before its half-life, or undefined. */
  getFresh(spiffeId: string, audience: readonly string[], now: Date = new Date()): CachedJwtSvid | undefined {
    const svid = this.lookup(spiffeId, audience);
    if (!svid) return undefined;
    const start = svid.issuedAt.getTime();
    const half = start + (svid.expiresAt.getTime() - start) / 2;
    return now.getTime() < half ? svid : undefined;
  }

  /** A token that has not expired yet (fallback when the server cannot mint), or undefined. */
  getUnexpired(
    spiffeId: string,
    audience: readonly string[],
    now: Date = new Date(),
  ): CachedJwtSvid | undefined {
    const svid = this.lookup(spiffeId, audience);
    return svid && now.getTime() < svid.expiresAt.getTime() ? svid : undefined;
  }

  /** Stores a token, evicting the least recently used one beyond the cap. */
  set(audience: readonly string[], svid: CachedJwtSvid): void {
    if (this.maxSize === 0) return;
    const key = cacheKey(svid.spiffeId, audience);
    this.tokens.delete(key);
    this.tokens.set(key, svid);
    while (this.tokens.size > this.maxSize) {
      const oldest = this.tokens.keys().next().value as string;
      this.tokens.delete(oldest);
    }
  }

  private lookup(spiffeId: string, audience: readonly string[]): CachedJwtSvid | undefined {
    const key = cacheKey(spiffeId, audience);
    const svid = this.tokens.get(key);
    if (svid) {
      this.tokens.delete(key);
      this.tokens.set(key, svid);
    }
    return svid;
  }
}

function cacheKey(spiffeId: string, audience: readonly string[]): string {
  const hash = crypto.createHash('sha256');
  hash.update(spiffeId);
  for (const aud of [...audience].sort()) hash.update('\0').update(aud);
  return hash.digest('base64');
}
