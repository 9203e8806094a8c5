import type { PluginLogger } from '@lanyard/attestor-core';
import { UnavailableError } from '@lanyard/base';
import type { JwtSvidCache, WorkloadEntry } from '../manager/cache';

/** A request to mint one JWT-SVID for an entry. */
export interface JwtSvidMintRequest {
  readonly entryId: string;
  readonly spiffeId: string;
  /** Audiences for `aud`, as the workload asked for them. */
  readonly audience: readonly string[];
}

/** A JWT-SVID as minted by the server. */
export interface MintedJwtSvid {
  /** Compact JWS. */
  readonly token: string;
  readonly issuedAt: Date;
  readonly expiresAt: Date;
}

/**
 * Mints JWT-SVIDs; the node side implements it with the server's `SVID.NewJWTSVID` over its mTLS channel.
 * Rejections are reported to the workload as UNAVAILABLE (`could not fetch JWT-SVID: …`).
 */
export interface JwtSvidMinter {
  mintJwtSvid(request: JwtSvidMintRequest): Promise<MintedJwtSvid>;
}

/**
 * Hands out JWT-SVIDs per entry and audience set: a cached token before its half-life, otherwise a fresh one
 * from the minter; when minting fails an unexpired cached token is returned instead (SPIRE's fallback).
 */
export class JwtSvidService {
  constructor(
    /** Mints tokens through the server. */
    readonly minter: JwtSvidMinter,
    private readonly cache: JwtSvidCache,
    private readonly logger: PluginLogger,
  ) {}

  /** Number of JWT-SVIDs held in the cache (the agent Debug API's `cached_jwt_svids_count`). */
  get cachedCount(): number {
    return this.cache.size;
  }

  /**
   * @throws UnavailableError when the minter fails and no unexpired token is cached.
   */
  async fetch(entry: WorkloadEntry, audience: readonly string[], now: Date = new Date()): Promise<string> {
    if (entry.jwtSvidIncludeJti) return this.mintUncached(entry, audience);
    const fresh = this.cache.getFresh(entry.spiffeId, audience, now);
    if (fresh) return fresh.token;
    try {
      const minted = await this.minter.mintJwtSvid({
        entryId: entry.entryId,
        spiffeId: entry.spiffeId,
        audience,
      });
      this.cache.set(audience, { ...minted, spiffeId: entry.spiffeId });
      return minted.token;
    } catch (err) {
      const cached = this.cache.getUnexpired(entry.spiffeId, audience, now);
      if (cached) {
        this.logger.warn('Unable to renew JWT; returning cached copy', { spiffe_id: entry.spiffeId });
        return cached.token;
      }
      throw mintFailed(err);
    }
  }

  /** `jwt_svid_include_jti` entries: each token carries its own `jti`, so none is cached or reused (SPIRE). */
  private async mintUncached(entry: WorkloadEntry, audience: readonly string[]): Promise<string> {
    try {
      const minted = await this.minter.mintJwtSvid({
        entryId: entry.entryId,
        spiffeId: entry.spiffeId,
        audience,
      });
      return minted.token;
    } catch (err) {
      throw mintFailed(err);
    }
  }
}

function mintFailed(err: unknown): UnavailableError {
  return new UnavailableError(
    `could not fetch JWT-SVID: ${(err as Error).message ?? String(err)}`,
    'ERR_JWT_MINT',
    {
      cause: err,
    },
  );
}
