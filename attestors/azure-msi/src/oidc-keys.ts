import { type KeyObject, createPublicKey } from 'node:crypto';
import { UnavailableError } from '@lanyard/base';
import type { TlsSettings } from '@azure/core-rest-pipeline';
import { getJsonObject } from './http-json';

const REFRESH_INTERVAL_MS = 60 * 60_000;
const MIN_UNKNOWN_KID_REFRESH_MS = 30_000;
const TIMEOUT_MS = 10_000;
const MAX_KEYS = 64;

/**
 * Entra ID token-signing keys found through OIDC discovery (`<issuer>/.well-known/openid-configuration` →
 * `jwks_uri`). Cached for an hour like SPIRE; an unknown `kid` forces a refresh at most every 30 s.
 */
export class OidcKeySet {
  private keys = new Map<string, KeyObject>();
  private fetchedAt = -Infinity;

  constructor(
    private readonly discoveryUrl: string,
    private readonly now: () => number,
    private readonly plugin: string,
    /** TLS settings of the discovery and JWKS fetches (`endpoint_ca_bundle_path`); Node's defaults when unset. */
    private readonly tlsSettings?: TlsSettings,
  ) {}

  /** The key for `kid`, or `undefined` when the issuer does not publish it. */
  async key(kid: string): Promise<KeyObject | undefined> {
    const age = this.now() - this.fetchedAt;
    if (age >= REFRESH_INTERVAL_MS || (!this.keys.has(kid) && age >= MIN_UNKNOWN_KID_REFRESH_MS))
      await this.refresh();
    return this.keys.get(kid);
  }

  private async refresh(): Promise<void> {
    const discovery = await this.getJson(this.discoveryUrl);
    const jwksUri = discovery.jwks_uri;
    if (typeof jwksUri !== 'string')
      throw this.unavailable(`discovery document at ${this.discoveryUrl} has no jwks_uri`);
    const jwks = await this.getJson(jwksUri);
    const keys = new Map<string, KeyObject>();
    for (const jwk of (Array.isArray(jwks.keys) ? jwks.keys : []).slice(0, MAX_KEYS) as Record<
      string,
      unknown
    >[]) {
      if (
        jwk.kty !== 'RSA' ||
        typeof jwk.kid !== 'string' ||
        typeof jwk.n !== 'string' ||
        typeof jwk.e !== 'string'
      )
        continue;
      try {
        keys.set(jwk.kid, createPublicKey({ key: { kty: 'RSA', n: jwk.n, e: jwk.e }, format: 'jwk' }));
      } catch {
        // A malformed key is skipped; tokens signed with it fail as "unknown key".
      }
    }
    this.keys = keys;
    this.fetchedAt = this.now();
  }

  private async getJson(url: string): Promise<Record<string, unknown>> {
    try {
      return await getJsonObject(url, TIMEOUT_MS, this.tlsSettings);
    } catch (error) {
      throw this.unavailable(`cannot fetch ${url}: ${(error as Error).message}`);
    }
  }

  private unavailable(reason: string): UnavailableError {
    return new UnavailableError(`${this.plugin}: unable to obtain JWKS: ${reason}`, 'ERR_AZURE_JWKS');
  }
}
