/**
 * Fetches the own trust bundle (`Bundle.GetBundle`) and the federated bundles entries ask for
 * (`Bundle.GetFederatedBundle`), converting them to the cache's {@link TrustBundle}. JWT keys are parsed once
 * and reused while unchanged.
 */
import * as crypto from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import type { PluginLogger } from '@lanyard/attestor-core';
import type { Bundle__Output } from '@lanyard/proto';
import type { JwtAuthority, TrustBundle } from './cache';
import type { ServerClients } from '../client/server-connection';
import { describeRpcError, statusOf, toLanyardError, unary } from '../client/rpc';

/** Most federated bundle requests in flight at once (SPIRE uses 10). */
const FEDERATED_CONCURRENCY = 10;

/** Converts wire bundles, caching parsed JWT keys by their SPKI bytes. */
export class BundleConverter {
  private keys = new Map<string, crypto.KeyObject>();

  /** Converts one bundle; `trustDomain` overrides the name in the message when given. */
  convert(bundle: Bundle__Output, trustDomain?: string): TrustBundle {
    const jwtAuthorities: JwtAuthority[] = [];
    for (const key of bundle.jwt_authorities) {
      if (!key.key_id) continue;
      jwtAuthorities.push({
        keyId: key.key_id,
        publicKey: this.publicKey(key.public_key),
        expiresAt: key.expires_at ? new Date(Number(key.expires_at) * 1000) : undefined,
      });
    }
    return {
      trustDomain: (trustDomain ?? bundle.trust_domain).replace(/^spiffe:\/\//, ''),
      x509Authorities: bundle.x509_authorities.map((a) => Buffer.from(a.asn1)),
      jwtAuthorities,
    };
  }

  private publicKey(spki: Buffer): crypto.KeyObject {
    const id = spki.toString('base64');
    let key = this.keys.get(id);
    if (!key) {
      key = crypto.createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' });
      if (this.keys.size > 256) this.keys.clear();
      this.keys.set(id, key);
    }
    return key;
  }
}

/** True when two bundles hold the same authorities (so the cache and its subscribers need no update). */
export function sameBundle(a: TrustBundle | undefined, b: TrustBundle): boolean {
  if (!a || a.trustDomain !== b.trustDomain) return false;
  if (a.x509Authorities.length !== b.x509Authorities.length) return false;
  if (!a.x509Authorities.every((der, i) => der.equals(b.x509Authorities[i]))) return false;
  if (a.jwtAuthorities.length !== b.jwtAuthorities.length) return false;
  return a.jwtAuthorities.every(
    (k, i) => k.keyId === b.jwtAuthorities[i].keyId && k.publicKey.equals(b.jwtAuthorities[i].publicKey),
  );
}

/** Fetches the own trust domain's bundle. */
export async function fetchOwnBundle(
  clients: ServerClients,
  converter: BundleConverter,
): Promise<TrustBundle> {
  try {
    const bundle = await unary<Bundle__Output>((opts, cb) => clients.bundle.GetBundle({}, opts, cb));
    return converter.convert(bundle);
  } catch (err) {
    throw toLanyardError(err, 'failed to fetch bundle');
  }
}

/**
 * Fetches the federated bundles of `trustDomains`. A trust domain the server has no bundle for is skipped
 * (logged at DEBUG); other failures reject.
 */
export async function fetchFederatedBundles(
  clients: ServerClients,
  converter: BundleConverter,
  trustDomains: readonly string[],
  logger: PluginLogger,
): Promise<TrustBundle[]> {
  const out: TrustBundle[] = [];
  for (let i = 0; i < trustDomains.length; i += FEDERATED_CONCURRENCY) {
    const batch = trustDomains.slice(i, i + FEDERATED_CONCURRENCY);
    const results = await Promise.all(batch.map((td) => fetchOne(clients, converter, td, logger)));
    for (const bundle of results) if (bundle) out.push(bundle);
  }
  return out;
}

async function fetchOne(
  clients: ServerClients,
  converter: BundleConverter,
  trustDomain: string,
  logger: PluginLogger,
): Promise<TrustBundle | undefined> {
  try {
    const bundle = await unary<Bundle__Output>((opts, cb) =>
      clients.bundle.GetFederatedBundle({ trust_domain: trustDomain }, opts, cb),
    );
    return converter.convert(bundle, trustDomain);
  } catch (err) {
    if (statusOf(err) === grpc.status.NOT_FOUND) {
      logger.debug('Federated bundle not found', { trust_domain: trustDomain, error: describeRpcError(err) });
      return undefined;
    }
    throw toLanyardError(err, `failed to fetch federated bundle for "${trustDomain}"`);
  }
}
