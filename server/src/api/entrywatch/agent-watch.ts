import type { RegistrationEntry } from '../../datastore/types';
import type { EntryCacheChange } from '../../authorized-entries/entry-cache';
import { entryToWire } from '../convert/entry';
import { HeldEntries, type AuthorizedView } from './held-entries';
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
 * One agent's watch: the entries it was last told about, so each change is sent as a delta. A change made only
 * of leaf entries is worked out from those entries (O(change)); a reload, new node selectors, or a change to a
 * node alias or to an entry other entries are parented to takes a full walk of the agent's entries. Only the
 * latest state is ever pending (the changed IDs, not a queue of messages), so a slow agent costs one delta
 * however many changes happen while its stream is backed up.
 */
export class AgentWatch {
  private readonly held: HeldEntries;
  private blocked = false;
  /** Entry IDs changed since the last push, or `all` when only a full walk will do. */
  private pending: Set<string> | 'all' | undefined;
  private bundlePending = false;

  constructor(
    readonly agentId: string,
    serverId: string,
    private readonly sink: WatchSink,
    private readonly mask: WireEntryMask | null,
    private readonly limits: WatchLimits,
    view: AuthorizedView,
  ) {
    this.held = new HeldEntries(agentId, serverId, view);
    this.held.fullDelta();
    sink.onDrain(() => {
      this.blocked = false;
      if (this.pending !== undefined || this.bundlePending) this.push();
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
      if (this.held.has(id)) return true;
      const parent = lookup(id)?.parentId;
      if (parent !== undefined && (parent === serverId || this.held.isParent(parent))) return true;
    }
    return false;
  }

  /** Records `change` and pushes the delta unless the stream is backed up. */
  entriesChanged(change: EntryCacheChange): void {
    if (change.reloaded || change.agentIds.has(this.agentId)) this.pending = 'all';
    else if (this.pending !== 'all') {
      const ids = this.pending ?? new Set<string>();
      for (const id of change.entryIds) ids.add(id);
      this.pending = ids.size > this.limits.maxPushedEntries ? 'all' : ids;
    }
    if (!this.blocked) this.push();
  }

  /** Tells the agent its trust bundle changed. */
  bundleChanged(): void {
    this.bundlePending = true;
    if (!this.blocked) this.push();
  }

  private push(): void {
    const pages = this.pending === undefined ? [] : this.delta(this.pending);
    this.pending = undefined;
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

  private delta(pending: Set<string> | 'all'): WatchResponse[] {
    const { upserted, removed } =
      (pending === 'all' ? undefined : this.held.incrementalDelta(pending)) ?? this.held.fullDelta();
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

  private write(message: WatchResponse): void {
    if (!this.sink.write(message)) this.blocked = true;
  }
}
