import type { RegistrationEntry } from '../../datastore/types';
import type { EntryCacheChange } from '../../authorized-entries/entry-cache';
import { entryToWire } from '../convert/entry';
import type { WireEntry, WireEntryMask } from '../wire';

/** `lanyard.agent.v1.WatchResponse`. */
export interface WatchResponse {
  upserted: Array<Partial<WireEntry>>;
  removed_ids: string[];
  bundle_changed: boolean;
  resync: boolean;
  more: boolean;
}

/** Where one watch writes: the gRPC call (`write` false = the transport buffer is full). */
export interface WatchSink {
  write(message: WatchResponse): boolean;
  /** Runs `listener` once the buffer drained after a `write` returned false. */
  onDrain(listener: () => void): void;
  /** Ends the stream (the watch was replaced or the server stops). */
  end(): void;
}

/** Bounds of the pushed changes. */
export interface WatchLimits {
  /** Entries per message (the same page size as SyncAuthorizedEntries). */
  readonly pageSize: number;
  /** Largest change pushed entry by entry; above it the agent is told to resync. */
  readonly maxPushedEntries: number;
}

function emptyResponse(): WatchResponse {
  return { upserted: [], removed_ids: [], bundle_changed: false, resync: false, more: false };
}

/**
 * One agent's watch: the revisions of the entries it was last told about, so each change is sent as a delta
 * computed from the entry cache. Only the latest state is ever pending (a dirty flag, not a queue), so a slow
 * agent costs one snapshot however many changes happen while its stream is backed up.
 */
export class AgentWatch {
  private snapshot = new Map<string, number>();
  /** The agent ID plus the SPIFFE IDs of its entries: parents whose children it may serve. */
  private parents = new Set<string>();
  private blocked = false;
  private dirty = false;
  private bundlePending = false;

  constructor(
    readonly agentId: string,
    private readonly sink: WatchSink,
    private readonly mask: WireEntryMask | null,
    private readonly limits: WatchLimits,
    private readonly authorized: () => RegistrationEntry[],
  ) {
    this.remember(authorized());
    sink.onDrain(() => {
      this.blocked = false;
      if (this.dirty || this.bundlePending) this.push();
    });
  }

  /** Sends the empty first message that tells the agent the stream is established. */
  ready(): void {
    this.write(emptyResponse());
  }

  /** Ends the stream. */
  end(): void {
    this.sink.end();
  }

  /**
   * True when `change` may alter what this agent is authorized for: a reload, new node selectors, or a changed
   * entry it holds or whose (new) parent is the agent, one of its entries' SPIFFE IDs or the server (alias).
   */
  affectedBy(
    change: EntryCacheChange,
    lookup: (id: string) => RegistrationEntry | undefined,
    serverId: string,
  ): boolean {
    if (change.reloaded || change.agentIds.has(this.agentId)) return true;
    for (const id of change.entryIds) {
      if (this.snapshot.has(id)) return true;
      const parent = lookup(id)?.parentId;
      if (parent !== undefined && (parent === serverId || this.parents.has(parent))) return true;
    }
    return false;
  }

  /** Marks the entries changed and pushes the delta unless the stream is backed up. */
  entriesChanged(): void {
    this.dirty = true;
    if (!this.blocked) this.push();
  }

  /** Tells the agent its trust bundle changed. */
  bundleChanged(): void {
    this.bundlePending = true;
    if (!this.blocked) this.push();
  }

  private push(): void {
    const pages = this.dirty ? this.delta() : [];
    this.dirty = false;
    if (this.bundlePending) {
      if (pages.length === 0) pages.push(emptyResponse());
      pages[pages.length - 1].bundle_changed = true;
      this.bundlePending = false;
    }
    pages.forEach((page, i) => {
      page.more = i < pages.length - 1;
      this.write(page);
    });
  }

  private delta(): WatchResponse[] {
    const current = this.authorized();
    const upserted = current.filter((e) => this.snapshot.get(e.id) !== e.revisionNumber);
    const kept = new Set(current.map((e) => e.id));
    const removed = [...this.snapshot.keys()].filter((id) => !kept.has(id));
    this.remember(current);
    if (upserted.length + removed.length === 0) return [];
    if (upserted.length + removed.length > this.limits.maxPushedEntries) {
      return [{ ...emptyResponse(), resync: true }];
    }
    const pages: WatchResponse[] = [];
    for (let i = 0; i < upserted.length; i += this.limits.pageSize) {
      const page = upserted.slice(i, i + this.limits.pageSize).map((e) => entryToWire(e, this.mask));
      pages.push({ ...emptyResponse(), upserted: page });
    }
    // Removed IDs are small (a UUID each): ten times as many per page stays far below the entry pages' size.
    for (let i = 0; i < removed.length; i += 10 * this.limits.pageSize) {
      pages.push({ ...emptyResponse(), removed_ids: removed.slice(i, i + 10 * this.limits.pageSize) });
    }
    return pages;
  }

  private remember(entries: readonly RegistrationEntry[]): void {
    this.snapshot = new Map(entries.map((e) => [e.id, e.revisionNumber]));
    this.parents = new Set([this.agentId, ...entries.map((e) => e.spiffeId)]);
  }

  private write(message: WatchResponse): void {
    if (!this.sink.write(message)) this.blocked = true;
  }
}
