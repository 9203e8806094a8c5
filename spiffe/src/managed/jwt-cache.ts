/** JWT-SVIDs cached per request (audiences + subject) until half their lifetime, with in-flight de-duplication. */
import type { JwtSvid, JwtSvidParams } from '../jwt';

interface Cached {
  readonly svids: readonly JwtSvid[];
  /** Epoch ms after which the answer is fetched again. */
  readonly refreshAt: number;
}

/** The moment half of the shortest-lived token's lifetime has passed (its issue time, else `fetchedAt`). */
export function jwtHalfLife(svids: readonly JwtSvid[], fetchedAt: number): number {
  return Math.min(
    ...svids.map((svid) => {
      const issued = svid.issuedAt?.getTime() ?? fetchedAt;
      return issued + (svid.expiry.getTime() - issued) / 2;
    }),
  );
}

/** The cache key of a request: the sorted, de-duplicated audiences and the subject. */
export function jwtCacheKey(params: JwtSvidParams): string {
  const audiences = [...new Set([params.audience, ...(params.extraAudiences ?? [])])].sort();
  return JSON.stringify([audiences, params.subject?.toString() ?? '']);
}

/**
 * A bounded map of fetched JWT-SVID sets. `get` returns a cached answer before its half-life, else runs
 * `fetch` once for all concurrent callers of the same key; failures are not cached.
 */
export class JwtSvidCache {
  private readonly entries = new Map<string, Cached>();
  private readonly inFlight = new Map<string, Promise<readonly JwtSvid[]>>();

  /** @param maxEntries - answers kept (oldest evicted first). */
  constructor(private readonly maxEntries: number) {}

  /** The cached or freshly fetched answer for `key`. */
  async get(
    key: string,
    fetch: () => Promise<readonly JwtSvid[]>,
    now = Date.now(),
  ): Promise<readonly JwtSvid[]> {
    const cached = this.entries.get(key);
    if (cached && now < cached.refreshAt) return cached.svids;
    const pending = this.inFlight.get(key);
    if (pending) return pending;
    const started = fetch().then((svids) => {
      this.put(key, { svids, refreshAt: jwtHalfLife(svids, now) });
      return svids;
    });
    this.inFlight.set(key, started);
    try {
      return await started;
    } finally {
      this.inFlight.delete(key);
    }
  }

  /** Forgets every answer. */
  clear(): void {
    this.entries.clear();
  }

  private put(key: string, value: Cached): void {
    this.entries.delete(key);
    this.entries.set(key, value);
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
  }
}
