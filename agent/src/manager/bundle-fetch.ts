/**
 * Fetches the own trust bundle (`Bundle.GetBundle`) and the federated bundles entries ask for
 * (`Bundle.GetFederatedBundle`), decoding them into `SpiffeBundle`s. Certificates and JWT keys are parsed once
 * and reused while unchanged, so a sync that finds the same bundle parses nothing.
 */
import type { KeyObject } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import { statusOf, unary } from '@lanyard/base/grpc';
import type { PluginLogger } from '@lanyard/attestor-core';
import type { Bundle__Output } from '@lanyard/proto';
import { ParsedAuthorities, SpiffeBundle, TrustDomain } from '@lanyard/spiffe';
import { TaintedAuthorities } from './cache';
import type { ServerClients } from '../client/server-connection';
import { RPC_TIMEOUT_MS, describeRpcError, toLanyardError } from '../client/rpc';

/** Most federated bundle requests in flight at once (SPIRE uses 10). */
const FEDERATED_CONCURRENCY = 10;

/** Decodes wire bundles (`spire.api.types.Bundle`) into `SpiffeBundle`s, reusing parsed certificates and keys. */
export class BundleDecoder {
  private readonly parsed = new ParsedAuthorities();

  /**
   * Decodes one bundle; `trustDomain` (name without scheme) overrides the name in the message when given.
   * JWT authorities without a key ID are skipped (no workload could select them).
   */
  decode(bundle: Bundle__Output, trustDomain?: string): SpiffeBundle {
    const jwtAuthorities = new Map<string, KeyObject>();
    for (const key of bundle.jwt_authorities) {
      if (key.key_id) jwtAuthorities.set(key.key_id, this.parsed.publicKey(key.public_key));
    }
    return new SpiffeBundle({
      trustDomain: TrustDomain.parse(trustDomain ?? bundle.trust_domain),
      x509Authorities: bundle.x509_authorities.map((a) => this.parsed.certificate(a.asn1)),
      jwtAuthorities,
      sequenceNumber: Number(bundle.sequence_number) || undefined,
      refreshHint: Number(bundle.refresh_hint) || undefined,
    });
  }

  /** The X.509 authorities of a wire bundle that carry the `tainted` flag. */
  tainted(bundle: Bundle__Output): TaintedAuthorities {
    const tainted = bundle.x509_authorities.filter((a) => a.tainted);
    if (tainted.length === 0) return TaintedAuthorities.NONE;
    return new TaintedAuthorities(tainted.map((a) => this.parsed.certificate(a.asn1)));
  }
}

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
export async function fetchOwnBundle(clients: ServerClients, decoder: BundleDecoder): Promise<OwnBundle> {
  try {
    const bundle = await unary<Bundle__Output>(
      (opts, cb) => clients.bundle.GetBundle({}, opts, cb),
      RPC_TIMEOUT_MS,
    );
    return { bundle: decoder.decode(bundle), tainted: decoder.tainted(bundle) };
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
  decoder: BundleDecoder,
  trustDomains: readonly string[],
  logger: PluginLogger,
): Promise<SpiffeBundle[]> {
  const out: SpiffeBundle[] = [];
  for (let i = 0; i < trustDomains.length; i += FEDERATED_CONCURRENCY) {
    const batch = trustDomains.slice(i, i + FEDERATED_CONCURRENCY);
    const results = await Promise.all(batch.map((td) => fetchOne(clients, decoder, td, logger)));
    for (const bundle of results) if (bundle) out.push(bundle);
  }
  return out;
}

async function fetchOne(
  clients: ServerClients,
  decoder: BundleDecoder,
  trustDomain: string,
  logger: PluginLogger,
): Promise<SpiffeBundle | undefined> {
  try {
    const bundle = await unary<Bundle__Output>(
      (opts, cb) => clients.bundle.GetFederatedBundle({ trust_domain: trustDomain }, opts, cb),
      RPC_TIMEOUT_MS,
    );
    return decoder.decode(bundle, trustDomain);
  } catch (err) {
    if (statusOf(err) === grpc.status.NOT_FOUND) {
      logger.debug('Federated bundle not found', { trust_domain: trustDomain, error: describeRpcError(err) });
      return undefined;
    }
    throw toLanyardError(err, `failed to fetch federated bundle for "${trustDomain}"`);
  }
}
