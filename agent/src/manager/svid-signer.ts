/**
 * Issues workload X509-SVIDs: for every cached entry that needs one (new, changed revision, past half-life),
 * a key is generated on the agent (it never leaves it), a CSR sent in batches through `SVID.BatchNewX509SVID`,
 * and the result stored in the cache.
 */
import type { PluginLogger } from '@lanyard/attestor-core';
import { createCsr, NotFoundError } from '@lanyard/base';
import { unary } from '@lanyard/base/grpc';
import { createSvidMaterial, RotationStrategy, type WorkloadEntry, type X509SvidMaterial } from './cache';
import type { WorkloadKeyType } from '../config/types';
import { generateKeyPair } from './keys';
import type { ServerClients } from '../client/server-connection';
import { RPC_TIMEOUT_MS, toLanyardError } from '../client/rpc';

/** CSRs per BatchNewX509SVID request. */
export const CSR_BATCH_SIZE = 250;

interface BatchResponse {
  results: Array<{
    status: { code: number; message: string } | null;
    svid: { cert_chain: Buffer[]; expires_at: number } | null;
  }>;
}

/** A workload key as DER: PKCS#8 private key, SubjectPublicKeyInfo public key. */
interface KeyDer {
  readonly privateKey: Buffer;
  readonly publicKey: Buffer;
}

/** Where signed SVIDs go: the identity cache, or the store cache of `-storeSVID` entries. */
export interface SvidTarget {
  /** Entries that need a (new) SVID now. */
  entriesNeedingSvids(now: Date): WorkloadEntry[];
  /** Keeps a new SVID. @throws NotFoundError when the entry went away meanwhile. */
  setSvid(entryId: string, svid: X509SvidMaterial): void;
}

/** Signs SVIDs for the entries the target says need one. */
export class SvidSigner {
  constructor(
    private readonly cache: SvidTarget,
    private readonly keyType: WorkloadKeyType,
    private readonly logger: PluginLogger,
    private readonly rotation: RotationStrategy = RotationStrategy.HALF_LIFE,
  ) {}

  /**
   * Renews what is due; resolves with the number of SVIDs stored. `onDue` hears how many were due first
   * (SPIRE's `cache_manager_expiring_svids` sample).
   */
  async signDue(
    clients: ServerClients,
    now: Date = new Date(),
    onDue?: (count: number) => void,
  ): Promise<number> {
    const due = this.cache.entriesNeedingSvids(now);
    onDue?.(due.length);
    return this.signEntries(clients, due);
  }

  /** Signs SVIDs for `due` (entries already selected as needing one); resolves with the number stored. */
  async signEntries(clients: ServerClients, due: readonly WorkloadEntry[]): Promise<number> {
    let stored = 0;
    for (let i = 0; i < due.length; i += CSR_BATCH_SIZE) {
      stored += await this.signBatch(clients, due.slice(i, i + CSR_BATCH_SIZE));
    }
    return stored;
  }

  private async signBatch(clients: ServerClients, entries: readonly WorkloadEntry[]): Promise<number> {
    const { keys, params } = this.prepareCsrs(entries);
    let response: BatchResponse;
    try {
      response = await unary<BatchResponse>(
        (opts, cb) => clients.svid.BatchNewX509SVID({ params }, opts, cb),
        RPC_TIMEOUT_MS,
      );
    } catch (err) {
      throw toLanyardError(err, 'failed to batch new X509 SVID(s)');
    }
    let stored = 0;
    response.results.forEach((result, i) => {
      const entry = entries[i];
      if (entry === undefined) return;
      if ((result.status?.code ?? 0) !== 0 || !result.svid) {
        this.logger.warn('Failed to sign X509 SVID', {
          entry_id: entry.entryId,
          spiffe_id: entry.spiffeId,
          error: result.status?.message ?? 'no svid in response',
        });
        return;
      }
      if (this.store(entry, result.svid.cert_chain, keys[i])) stored++;
    });
    return stored;
  }

  /**
   * A fresh key and CSR per entry. Only the keys' DER outlives this call: KeyObjects hold native memory the
   * garbage collector does not weigh, and kept across the server round trip they would reach the old generation
   * and pile up (megabytes per thousand SVIDs) until a full collection.
   */
  private prepareCsrs(entries: readonly WorkloadEntry[]): {
    keys: KeyDer[];
    params: Array<{ entry_id: string; csr: Buffer }>;
  } {
    const keys: KeyDer[] = [];
    const params = entries.map((entry) => {
      const pair = generateKeyPair(this.keyType);
      const publicKey = pair.publicKey.export({ type: 'spki', format: 'der' });
      keys.push({ privateKey: pair.privateKey.export({ type: 'pkcs8', format: 'der' }), publicKey });
      return { entry_id: entry.entryId, csr: createCsr(pair.privateKey, publicKey) };
    });
    return { keys, params };
  }

  private store(entry: WorkloadEntry, chain: Buffer[], key: KeyDer): boolean {
    try {
      const svid = createSvidMaterial({
        certChainDer: chain,
        privateKey: key.privateKey,
        publicKey: key.publicKey,
        entryRevision: entry.revision,
        rotation: this.rotation,
      });
      if (this.rotation.fallsBackToHalfLife(svid)) {
        this.logger.warn(
          "X509 SVID lifetime isn't long enough to guarantee the availability_target, falling back to the default rotation strategy",
          { entry_id: entry.entryId, spiffe_id: entry.spiffeId },
        );
      }
      this.cache.setSvid(entry.entryId, svid);
      this.logger.debug('Renewed X509-SVID', {
        entry_id: entry.entryId,
        spiffe_id: entry.spiffeId,
        expires_at: svid.expiresAt.toISOString(),
      });
      return true;
    } catch (err) {
      if (err instanceof NotFoundError) return false; // entry removed while the CSR was in flight
      this.logger.warn('Received an unusable X509-SVID', {
        entry_id: entry.entryId,
        error: (err as Error).message,
      });
      return false;
    }
  }
}
