/**
 * Fetches the own trust bundle (`Bundle.GetBundle`) and the federated bundles entries ask for
 * (`Bundle.GetFederatedBundle`), converted by the shared wire converter of `@lanyard/common` (which parses each
 * certificate and key once and reuses it while the bytes are unchanged).
 */
import * as grpc from '@grpc/grpc-js';
import { statusOf, unary } from '@lanyard/base/grpc';
import type { PluginLogger } from '@lanyard/attestor-core';
import { bundleFromWire } from '@lanyard/common';
import type { Bundle__Output } from '@lanyard/proto';
import { type SpiffeBundle, TrustDomain } from '@lanyard/spiffe';
import { TaintedAuthorities } from './cache';
import type { ServerClients } from '../client/server-connection';
import { RPC_TIMEOUT_MS, describeRpcError, toLanyardError } from '../client/rpc';

/** Most federated bundle requests in flight at once (SPIRE uses 10). */
const FEDERATED_CONCURRENCY = 10;

/** The own bundle as fetched: the authorities plus those the server marked tainted. */
export interface OwnBundle {
  readonly bundle: SpiffeBundle;
  readonly tainted: TaintedAuthorities;
}

/** True when `a` is present and equal to `b` (so the cache and its subscribers need no update). */
export function sameBundle(a: SpiffeBundle | undefined, b: SpiffeBundle): boolean {
  return a !== undefined && a.equals(b);
}

/** Fetches the own trust domain's bundle and its tainted X.509 authorities. */
export async function fetchOwnBundle(clients: ServerClients): Promise<OwnBundle> {
  try {
    const bundle = await unary<Bundle__Output>(
      (opts, cb) => clients.bundle.GetBundle({}, opts, cb),
      RPC_TIMEOUT_MS,
    );
    const decoded = bundleFromWire(bundle);
    return { bundle: decoded, tainted: TaintedAuthorities.of(decoded) };
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
  trustDomains: readonly string[],
  logger: PluginLogger,
): Promise<SpiffeBundle[]> {
  const out: SpiffeBundle[] = [];
  for (let i = 0; i < trustDomains.length; i += FEDERATED_CONCURRENCY) {
    const batch = trustDomains.slice(i, i + FEDERATED_CONCURRENCY);
    const results = await Promise.all(batch.map((td) => fetchOne(clients, td, logger)));
    for (const bundle of results) if (bundle) out.push(bundle);
  }
  return out;
}

async function fetchOne(
  clients: ServerClients,
  trustDomain: string,
  logger: PluginLogger,
): Promise<SpiffeBundle | undefined> {
  try {
    const bundle = await unary<Bundle__Output>(
      (opts, cb) => clients.bundle.GetFederatedBundle({ trust_domain: trustDomain }, opts, cb),
      RPC_TIMEOUT_MS,
    );
    return bundleFromWire(bundle, TrustDomain.parse(trustDomain));
  } catch (err) {
    if (statusOf(err) === grpc.status.NOT_FOUND) {
      logger.debug('Federated bundle not found', { trust_domain: trustDomain, error: describeRpcError(err) });
      return undefined;
    }
    throw toLanyardError(err, `failed to fetch federated bundle for "${trustDomain}"`);
  }
}

/** True when both lists hold the same bundles in the same order. */
export function sameBundleList(a: readonly SpiffeBundle[], b: readonly SpiffeBundle[]): boolean {
  return a.length === b.length && a.every((bundle, i) => sameBundle(bundle, b[i]));
}
