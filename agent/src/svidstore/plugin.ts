/**
 * The agent's `SVIDStore` plugin type (SPIRE's `svidstore.SVIDStore`): plugins that push the X509-SVIDs of
 * entries created with `-storeSVID` to a place a managed runtime can read them (a cloud secret store). An
 * entry's selectors name the plugin (their common type) and carry its metadata (`secretname:foo`, …).
 */
import type { KeyObject, X509Certificate } from 'node:crypto';
import type { PluginLogger } from '@lanyard/attestor-core';
import { InvalidArgumentError } from '@lanyard/base';

/** One X509-SVID to store, with the bundles a workload reading it needs. */
export interface StorableSvid {
  /** SPIFFE ID of the SVID (`spiffe://td/path`). */
  readonly spiffeId: string;
  /** Leaf first, then intermediates, DER each. */
  readonly certChainDer: readonly Buffer[];
  /** The SVID's private key. */
  readonly privateKey: KeyObject;
  /** X.509 authorities of the agent's trust domain. */
  readonly bundle: readonly X509Certificate[];
  /** X.509 authorities of the trust domains the entry federates with, keyed `spiffe://<td>`. */
  readonly federatedBundles: ReadonlyMap<string, readonly X509Certificate[]>;
  /** Leaf notAfter. */
  readonly expiresAt: Date;
}

/** A configured SVIDStore. Both calls fail with a LanyardError (InvalidArgument for bad metadata). */
export interface SvidStore {
  /** Creates or updates the stored SVID described by `metadata` (the entry's selector values). */
  putX509Svid(svid: StorableSvid, metadata: readonly string[]): Promise<void>;
  /** Deletes the stored SVID described by `metadata`; a secret that is already gone is not an error. */
  deleteX509Svid(metadata: readonly string[]): Promise<void>;
}

/** What an SVIDStore plugin receives besides its `plugin_data`. */
export interface SvidStoreDeps {
  readonly logger: PluginLogger;
  /** The agent's trust domain name (gcp_secretmanager labels its secrets with a hash of it). */
  readonly trustDomain: string;
}

/** A built-in `SVIDStore "<name>"` plugin. */
export interface SvidStorePlugin {
  readonly name: string;
  /**
   * Validates `plugin_data` and builds the store.
   * @throws ConfigError (InvalidArgument) naming every bad or unknown key.
   */
  create(data: Record<string, unknown>, deps: SvidStoreDeps): Promise<SvidStore>;
}

/**
 * Splits selector values `key:value` into a map (SPIRE's `ParseMetadata`: the first colon separates; a later
 * value for the same key wins).
 * @throws InvalidArgumentError when a value has no colon.
 */
export function parseMetadata(metadata: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const item of metadata) {
    const colon = item.indexOf(':');
    if (colon < 0) {
      throw new InvalidArgumentError(
        `failed to parse metadata: metadata does not contain a colon: "${item}"`,
        'ERR_SVIDSTORE_METADATA',
      );
    }
    out.set(item.slice(0, colon), item.slice(colon + 1));
  }
  return out;
}
