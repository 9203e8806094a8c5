import type * as grpc from '@grpc/grpc-js';
import { InvalidArgumentError } from '@lanyard/base';
import type { RegistrationEntry } from '../../datastore/types';
import type { RpcContext } from '../boundary';
import { entryToWire } from '../convert/entry';
import type { ApiDeps } from '../deps';
import { StreamReader } from '../stream-reader';
import type { WireEntry, WireEntryMask } from '../wire';
import { chunks } from '../../util/chunks';

/** SPIRE's `defaultEntryPageSize` for SyncAuthorizedEntries. */
export const SYNC_PAGE_SIZE = 500;

/** `SyncAuthorizedEntriesRequest`. */
export interface SyncRequest {
  output_mask: WireEntryMask | null;
  ids: string[];
}

/** `SyncAuthorizedEntriesResponse`. */
export interface SyncResponse {
  entry_revisions: Array<{ id: string; revision_number: number; created_at: number }>;
  entries: Array<Partial<WireEntry>>;
  more: boolean;
}

/** The calling agent's SPIFFE ID. */
export function agentIdOf(ctx: RpcContext): string {
  return ctx.caller.agent?.spiffeId ?? (ctx.caller.spiffeId as string);
}

/** Pages of at most `size`; one empty page for no items (a response is always sent). */
function pages<T>(items: T[], size: number): T[][] {
  const out = chunks(items, size);
  return out.length > 0 ? out : [[]];
}

/** GetAuthorizedEntries and SyncAuthorizedEntries for the calling agent, served from the entry cache. */
export class AuthorizedEntriesApi {
  constructor(private readonly deps: ApiDeps) {}

  /** Legacy full list. */
  async getAuthorized(req: { output_mask: WireEntryMask | null }, ctx: RpcContext) {
    const entries = this.deps.cache.authorizedEntries(agentIdOf(ctx));
    return { entries: entries.map((e) => entryToWire(e, req.output_mask)) };
  }

  /**
   * Sync protocol: everything in one response when it fits one page; otherwise pages of revisions, then full
   * entries for the IDs the agent asks for, until it half-closes.
   */
  async sync(call: grpc.ServerDuplexStream<SyncRequest, SyncResponse>, ctx: RpcContext): Promise<void> {
    const reader = new StreamReader<SyncRequest>(call);
    const first = await reader.next(this.deps.limits.streamIdleTimeoutMs, 'sync request');
    if (first === undefined) return;
    if (first.ids.length > 0) {
      throw new InvalidArgumentError('specifying IDs on initial request is not supported', 'ERR_SYNC_IDS');
    }
    const mask = first.output_mask;
    if (mask !== null && !mask.revision_number) {
      throw new InvalidArgumentError('revision number cannot be masked', 'ERR_SYNC_MASK');
    }
    const entries = this.deps.cache.authorizedEntries(agentIdOf(ctx));
    const pageSize = this.deps.syncPageSize ?? SYNC_PAGE_SIZE;
    if (entries.length <= pageSize) {
      call.write({ entry_revisions: [], entries: entries.map((e) => entryToWire(e, mask)), more: false });
      return;
    }
    const byId = new Map<string, RegistrationEntry>(entries.map((e) => [e.id, e]));
    const sorted = [...byId.keys()].sort();
    const revisionPages = pages(sorted, pageSize);
    revisionPages.forEach((page, i) => {
      const entry_revisions = page.map((id) => {
        const e = byId.get(id) as RegistrationEntry;
        return { id, revision_number: e.revisionNumber, created_at: e.createdAt };
      });
      call.write({ entry_revisions, entries: [], more: i < revisionPages.length - 1 });
    });
    await this.serveIdRequests(reader, call, byId, mask, pageSize);
  }

  private async serveIdRequests(
    reader: StreamReader<SyncRequest>,
    call: grpc.ServerDuplexStream<SyncRequest, SyncResponse>,
    byId: Map<string, RegistrationEntry>,
    mask: WireEntryMask | null,
    pageSize: number,
  ): Promise<void> {
    const next = () => reader.next(this.deps.limits.streamIdleTimeoutMs, 'sync request');
    for (let request = await next(); request !== undefined; request = await next()) {
      if (request.ids.length === 0) return;
      const wanted = [...new Set(request.ids)].sort().flatMap((id) => {
        const entry = byId.get(id);
        return entry === undefined ? [] : [entryToWire(entry, mask)];
      });
      const entryPages = pages(wanted, pageSize);
      entryPages.forEach((page, i) => {
        call.write({ entry_revisions: [], entries: page, more: i < entryPages.length - 1 });
      });
    }
  }
}
