import { type KeyObject, X509Certificate, createPublicKey } from 'node:crypto';
import { UnavailableError } from '@lanyard/base';

const DEFAULT_TTL_MS = 5 * 60_000;
const MIN_REFRESH_INTERVAL_MS = 30_000;
const MAX_KEYS = 64;

/**
 * Google's identity-token signing keys, fetched from a certs URL and cached. Understands both published formats:
 * `oauth2/v1/certs` (`{ kid: PEM certificate }`, SPIRE's default) and `oauth2/v3/certs` (JWKS). The cache lives
 * until `Cache-Control: max-age` / `Expires` (5 min without them); an unknown `kid` forces a refresh at most
 * every 30 s so a key rotation is picked up without letting bad tokens hammer Google.
 */
export class GoogleKeySet {
  private keys = new Map<string, KeyObject>();
  private expiresAt = 0;
  private fetchedAt = -Infinity;

  constructor(
    private readonly url: string,
    private readonly now: () => number,
    private readonly timeoutMs = 10_000,
    /** Prefix of error messages (the plugin or feature using the keys). */
    private readonly label = 'gcp_iit',
  ) {}

  /** The key for `kid`, or `undefined` when Google does not publish it. */
  async key(kid: string): Promise<KeyObject | undefined> {
    if (this.now() >= this.expiresAt) await this.refresh();
    else if (!this.keys.has(kid) && this.now() - this.fetchedAt >= MIN_REFRESH_INTERVAL_MS)
      await this.refresh();
    return this.keys.get(kid);
  }

  private async refresh(): Promise<void> {
    let res: Response;
    let body: unknown;
    try {
      res = await fetch(this.url, { signal: AbortSignal.timeout(this.timeoutMs) });
      body = await res.json();
    } catch (error) {
      throw new UnavailableError(
        `${this.label}: cannot fetch Google certificates from ${this.url}: ${(error as Error).message}`,
        'ERR_GCP_CERTS',
      );
    }
    if (!res.ok || typeof body !== 'object' || body === null) {
      throw new UnavailableError(
        `${this.label}: Google certificates at ${this.url} answered HTTP ${res.status}`,
        'ERR_GCP_CERTS',
      );
    }
    this.keys = parseKeys(body as Record<string, unknown>);
    this.fetchedAt = this.now();
    this.expiresAt = this.fetchedAt + cacheTtl(res.headers, this.fetchedAt);
  }
}

function parseKeys(body: Record<string, unknown>): Map<string, KeyObject> {
  const keys = new Map<string, KeyObject>();
  const entries: [string, unknown][] = Array.isArray(body.keys)
    ? (body.keys as Record<string, unknown>[]).map((jwk) => [String(jwk.kid), jwk])
    : Object.entries(body);
  for (const [kid, value] of entries.slice(0, MAX_KEYS)) {
    try {
      if (typeof value === 'string') keys.set(kid, new X509Certificate(value).publicKey);
      else if (typeof value === 'object' && value !== null && (value as { kty?: unknown }).kty === 'RSA') {
        const { n, e } = value as { n: string; e: string };
        keys.set(kid, createPublicKey({ key: { kty: 'RSA', n, e }, format: 'jwk' }));
      }
    } catch {
      // A malformed entry is skipped; tokens signed with it then fail with "unknown key".
    }
  }
  return keys;
}

function cacheTtl(headers: Headers, now: number): number {
  const maxAge = /max-age=(\d+)/.exec(headers.get('cache-control') ?? '');
  if (maxAge) return Number(maxAge[1]) * 1000;
  const expires = Date.parse(headers.get('expires') ?? '');
  return Number.isFinite(expires) ? Math.max(0, expires - now) : DEFAULT_TTL_MS;
}
