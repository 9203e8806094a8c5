/**
 * `Entry.SyncAuthorizedEntries` from the agent side (SPIRE-COMPAT §5.2): full entries when the server sends
 * them in one response; otherwise revision pages first, then full entries only for IDs that are new or whose
 * revision or creation time changed. Entries are kept between syncs for that comparison.
 */
import { InternalError } from '@lanyard/base';
import type { Entry__Output } from '@lanyard/proto';
import type { WorkloadEntry } from './cache';
import { StreamQueue } from '../client/stream-queue';
import type { ServerClients } from '../client/server-connection';
import { toLanyardError } from '../client/rpc';
import { flatSpiffeId, sharedString } from './entry-strings';

/** Fields the agent asks for (SPIRE's agent mask; revision_number is mandatory). */
export const AGENT_ENTRY_MASK = {
  spiffe_id: true,
  selectors: true,
  federates_with: true,
  admin: true,
  downstream: true,
  revision_number: true,
  store_svid: true,
  hint: true,
  additional_attributes: true,
  created_at: true,
};

const SYNC_TIMEOUT_MS = 60_000;

interface SyncResponse {
  entry_revisions: Array<{ id: string; revision_number: number; created_at: number }>;
  entries: Entry__Output[];
  more: boolean;
}

/** Converts a wire entry; federated trust domains lose any `spiffe://` prefix. */
export function toWorkloadEntry(entry: Entry__Output): WorkloadEntry {
  const id = entry.spiffe_id;
  return {
    entryId: entry.id,
    spiffeId: id ? flatSpiffeId(id.trust_domain, id.path) : '',
    selectors: entry.selectors.map((s) => ({ type: sharedString(s.type), value: s.value })),
    hint: sharedString(entry.hint ?? ''),
    federatesWith: entry.federates_with.map((td) => td.replace(/^spiffe:\/\//, '')).sort(),
    revision: Number(entry.revision_number),
    createdAt: Number(entry.created_at),
    admin: entry.admin === true,
    downstream: entry.downstream === true,
    storeSvid: entry.store_svid === true,
    disableX509SvidPrefetch: entry.additional_attributes?.disable_x509_svid_prefetch === true,
    jwtSvidIncludeJti: entry.additional_attributes?.jwt_svid_include_jti === true,
  };
}

/** Keeps the last synced entries and runs the sync protocol. */
export class EntrySynchronizer {
  private known = new Map<string, WorkloadEntry>();

  /** The last synced entry with this ID, if any. */
  get(entryId: string): WorkloadEntry | undefined {
    return this.known.get(entryId);
  }

  /** Every entry as last synced or pushed. */
  all(): WorkloadEntry[] {
    return [...this.known.values()];
  }

  /** Records a pushed change, so the next sync does not fetch those entries again. */
  applyChanges(upserts: readonly WorkloadEntry[], removedIds: readonly string[]): void {
    for (const id of removedIds) this.known.delete(id);
    for (const entry of upserts) this.known.set(entry.entryId, entry);
  }

  /** Runs one sync and returns the full authorised entry list. */
  async sync(clients: ServerClients): Promise<WorkloadEntry[]> {
    const call = clients.entry.SyncAuthorizedEntries({ deadline: new Date(Date.now() + SYNC_TIMEOUT_MS) });
    const queue = new StreamQueue<SyncResponse>(call);
    try {
      call.write({ output_mask: AGENT_ENTRY_MASK, ids: [] });
      const first = await this.read(queue);
      let result: Map<string, WorkloadEntry>;
      if (first.entry_revisions.length === 0) {
        result = await this.readFull(queue, first);
      } else {
        result = await this.readSparse(queue, call, first);
      }
      this.known = result;
      return [...result.values()];
    } catch (err) {
      throw toLanyardError(err, 'failed to sync authorized entries');
    } finally {
      call.end();
    }
  }

  private async read(queue: StreamQueue<SyncResponse>): Promise<SyncResponse> {
    const msg = await queue.next();
    if (msg === undefined) throw new InternalError('sync stream ended early', 'ERR_SYNC_PROTOCOL');
    return msg;
  }

  private async readFull(
    queue: StreamQueue<SyncResponse>,
    first: SyncResponse,
  ): Promise<Map<string, WorkloadEntry>> {
    const out = new Map<string, WorkloadEntry>();
    for (let msg = first; ; msg = await this.read(queue)) {
      if (msg.entry_revisions.length > 0) throw protocolError();
      for (const e of msg.entries) out.set(e.id, toWorkloadEntry(e));
      if (!msg.more) return out;
    }
  }

  private async readSparse(
    queue: StreamQueue<SyncResponse>,
    call: { write(msg: { ids: string[] }): unknown },
    first: SyncResponse,
  ): Promise<Map<string, WorkloadEntry>> {
    const out = new Map<string, WorkloadEntry>();
    const stale: string[] = [];
    const pageSize = Math.max(1, first.entry_revisions.length);
    for (let msg = first; ; msg = await this.read(queue)) {
      if (msg.entries.length > 0) throw protocolError();
      for (const rev of msg.entry_revisions) {
        const cached = this.known.get(rev.id);
        const changed =
          cached === undefined ||
          cached.revision !== Number(rev.revision_number) ||
          (Number(rev.created_at) !== 0 && cached.createdAt !== Number(rev.created_at));
        if (changed) stale.push(rev.id);
        else out.set(cached.entryId, cached); // the kept ID string, not the copy this response decoded
      }
      if (!msg.more) break;
    }
    stale.sort();
    for (let i = 0; i < stale.length; i += pageSize) {
      call.write({ ids: stale.slice(i, i + pageSize) });
      for (let msg = await this.read(queue); ; msg = await this.read(queue)) {
        if (msg.entry_revisions.length > 0) throw protocolError();
        for (const e of msg.entries) out.set(e.id, toWorkloadEntry(e));
        if (!msg.more) break;
      }
    }
    return out;
  }
}

function protocolError(): InternalError {
  return new InternalError(
    'sync protocol error: server mixed entry revisions and entries',
    'ERR_SYNC_PROTOCOL',
  );
}
