/**
 * Pushes the SVIDs of stored entries to their SVIDStore plugins (SPIRE's `svid/store` service). An entry's
 * selectors all share one type, the plugin's name; their values are the plugin's metadata. New revisions are
 * put, removed entries deleted, and an entry whose selectors changed has its old secret deleted first. A record
 * that fails stays pending and is retried on the next pass; each failure is logged with the entry and store.
 */
import type { X509Certificate } from 'node:crypto';
import type { PluginLogger } from '@lanyard/attestor-core';
import { svidPrivateKey, type WorkloadEntry, type X509SvidMaterial } from '../cache';
import type { StorableSvid, SvidStore } from '../../svidstore/plugin';
import type { StoreCache, StoreRecord } from './store-cache';

/** The plugin name and metadata an entry's selectors give. */
export function storeNameAndMetadata(entry: WorkloadEntry): { name: string; metadata: string[] } {
  if (entry.selectors.length === 0) throw new Error('no selectors found');
  const name = entry.selectors[0].type;
  if (entry.selectors.some((s) => s.type !== name)) throw new Error('selector contains multiple types');
  return { name, metadata: entry.selectors.map((s) => s.value) };
}

function sameSelectors(a: WorkloadEntry, b: WorkloadEntry): boolean {
  const key = (e: WorkloadEntry): string =>
    e.selectors
      .map((s) => `${s.type}:${s.value}`)
      .sort()
      .join('\n');
  return key(a) === key(b);
}

/** Runs passes over the store cache; passes never overlap. */
export class StoreService {
  private running: Promise<void> | undefined;
  private again = false;

  constructor(
    private readonly cache: StoreCache,
    private readonly stores: ReadonlyMap<string, SvidStore>,
    private readonly logger: PluginLogger,
  ) {}

  /** Starts a pass now, or right after the one in progress. */
  kick(): void {
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.loop().finally(() => (this.running = undefined));
  }

  /** Resolves when no pass is running. */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  private async loop(): Promise<void> {
    do {
      this.again = false;
      await this.processRecords();
    } while (this.again);
  }

  /** One pass over every record with an unhandled revision. */
  async processRecords(): Promise<void> {
    for (const record of this.cache.readyToStore()) {
      if (record.entry === undefined) {
        if (record.handledEntry === undefined || (await this.delete(record.handledEntry))) {
          this.cache.handled(record.entryId, record.revision);
        }
        continue;
      }
      if (record.handledEntry !== undefined && !sameSelectors(record.entry, record.handledEntry)) {
        await this.delete(record.handledEntry);
      }
      if (await this.put(record)) this.cache.handled(record.entryId, record.revision);
    }
  }

  /** The plugin for an entry, or undefined (logged) when its selectors name none that is configured. */
  private storeFor(
    entry: WorkloadEntry,
    action: string,
  ): { store: SvidStore; metadata: string[]; fields: Record<string, string> } | undefined {
    const fields = { entry_id: entry.entryId, spiffe_id: entry.spiffeId };
    let target;
    try {
      target = storeNameAndMetadata(entry);
    } catch (err) {
      this.logger.error('Invalid store name in selectors', { ...fields, error: (err as Error).message });
      return undefined;
    }
    const store = this.stores.get(target.name);
    if (store === undefined) {
      this.logger.error(`Error ${action} SVID: SVIDStore not found`, { ...fields, svid_store: target.name });
      return undefined;
    }
    return { store, metadata: target.metadata, fields: { ...fields, svid_store: target.name } };
  }

  /** Deletes an entry's stored SVID; true when done (or the selectors were malformed, as SPIRE treats it). */
  private async delete(entry: WorkloadEntry): Promise<boolean> {
    const target = this.storeFor(entry, 'deleting');
    if (target === undefined) return false;
    const fields = target.fields;
    try {
      await target.store.deleteX509Svid(target.metadata);
      this.logger.debug('SVID deleted successfully', fields);
      return true;
    } catch (err) {
      this.logger.error('Failed to delete SVID', { ...fields, error: (err as Error).message });
      return (err as { code?: string }).code === 'ERR_SVIDSTORE_METADATA';
    }
  }

  /** Puts a record's SVID; false when there is none yet or the plugin failed. */
  private async put(record: StoreRecord): Promise<boolean> {
    const entry = record.entry;
    if (entry === undefined || record.svid === undefined) return false;
    const target = this.storeFor(entry, 'storing');
    if (target === undefined) return false;
    const fields = target.fields;
    try {
      await target.store.putX509Svid(this.storable(entry, record.svid), target.metadata);
      this.logger.debug('SVID stored successfully', { ...fields, revision_number: record.revision });
      return true;
    } catch (err) {
      this.logger.error('Failed to put X509-SVID', { ...fields, error: (err as Error).message });
      return false;
    }
  }

  private storable(entry: WorkloadEntry, svid: X509SvidMaterial): StorableSvid {
    const federatedBundles = new Map<string, readonly X509Certificate[]>();
    for (const td of entry.federatesWith) {
      const authorities = this.cache.federatedAuthorities(td);
      if (authorities !== undefined) federatedBundles.set(`spiffe://${td}`, authorities);
    }
    return {
      spiffeId: entry.spiffeId,
      certChainDer: svid.certChainDer,
      privateKey: svidPrivateKey(svid),
      bundle: this.cache.ownAuthorities(),
      federatedBundles,
      expiresAt: svid.expiresAt,
    };
  }
}
