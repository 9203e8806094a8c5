import { AlreadyExistsError, InvalidArgumentError, LanyardError, NotFoundError } from '@lanyard/base';
import type { CreateEntryResult, NewRegistrationEntry, RegistrationEntry } from '../../datastore/types';
import { entryState, whoCalled } from '../../audit/trail-fields';
import type { RpcContext } from '../boundary';
import type { ApiDeps } from '../deps';
import { entryFromWire, entryMaskFromWire, entryToWire } from '../convert/entry';
import { OK_STATUS, apiStatusOf, type ApiStatus } from '../status';
import { requireBatchSize, requireNonNegative } from '../validate';
import type { WireEntry, WireEntryMask } from '../wire';
import { entryFilterFromWire, type WireEntryFilter } from './filters';
import { okMessage, ttlNotices } from './ttl-notice';

type EntryResult = { status: ApiStatus; entry?: Partial<WireEntry> };

/** Prefixes a datastore failure with `failed to <op> entry: ` (NotFound and similar-entry keep their text). */
function opError(err: unknown, op: string): ApiStatus {
  const status = apiStatusOf(err);
  if (
    !(err instanceof LanyardError) ||
    err instanceof NotFoundError ||
    status.message.startsWith('failed to')
  ) {
    return status;
  }
  if (err instanceof AlreadyExistsError && status.message === 'similar entry already exists') return status;
  return { code: status.code, message: `failed to ${op} entry: ${status.message}` };
}

/** Entry CRUD RPCs (admin): List, Count, Get, BatchCreate, BatchUpdate, BatchDelete. */
export class EntryCrud {
  constructor(private readonly deps: ApiDeps) {}

  async list(req: {
    filter: WireEntryFilter | null;
    output_mask: WireEntryMask | null;
    page_size: number;
    page_token: string;
  }) {
    requireNonNegative(req.page_size, 'page_size');
    const page = await this.deps.datastore.listEntries(entryFilterFromWire(req.filter), {
      pageSize: req.page_size,
      pageToken: req.page_token,
    });
    return {
      entries: page.items.map((e) => entryToWire(e, req.output_mask)),
      next_page_token: page.nextPageToken,
    };
  }

  async count(req: { filter: WireEntryFilter | null }) {
    return { count: await this.deps.datastore.countEntries(entryFilterFromWire(req.filter)) };
  }

  async get(req: { id: string; output_mask: WireEntryMask | null }) {
    if (req.id === '') throw new InvalidArgumentError('missing ID', 'ERR_MISSING_ID');
    const entry = await this.deps.datastore.getEntry(req.id);
    if (entry === undefined) throw new NotFoundError('entry not found', 'ERR_ENTRY_NOT_FOUND');
    return entryToWire(entry, req.output_mask);
  }

  async batchCreate(req: { entries: WireEntry[]; output_mask: WireEntryMask | null }, ctx: RpcContext) {
    requireBatchSize(req.entries.length, this.deps.maxBatchSize, 'entries');
    const results: EntryResult[] = new Array(req.entries.length);
    const valid: NewRegistrationEntry[] = [];
    const validIndex: number[] = [];
    req.entries.forEach((wire, i) => {
      try {
        valid.push(entryFromWire(wire, this.deps.trustDomain));
        validIndex.push(i);
      } catch (err) {
        results[i] = { status: apiStatusOf(err) };
      }
    });
    const created = valid.length > 0 ? await this.deps.datastore.createEntries(valid) : [];
    created.forEach((outcome, j) => {
      results[validIndex[j]] = this.createResult(outcome, req.output_mask);
      if (outcome.ok) {
        this.recordChange('entry_created', ctx, undefined, outcome.entry);
        results[validIndex[j]].status = this.okStatus(outcome.entry);
      }
    });
    if (created.some((c) => c.ok)) await this.deps.cache.refresh();
    return { results };
  }

  private createResult(outcome: CreateEntryResult, mask: WireEntryMask | null): EntryResult {
    if (outcome.ok) return { status: OK_STATUS, entry: entryToWire(outcome.entry, mask) };
    const status = opError(outcome.error, 'create');
    return outcome.existing ? { status, entry: entryToWire(outcome.existing, mask) } : { status };
  }

  async batchUpdate(
    req: {
      entries: WireEntry[];
      input_mask: WireEntryMask | null;
      output_mask: WireEntryMask | null;
    },
    ctx: RpcContext,
  ) {
    requireBatchSize(req.entries.length, this.deps.maxBatchSize, 'entries');
    const results: EntryResult[] = [];
    let changed = false;
    for (const wire of req.entries) {
      try {
        const { before, updated } = await this.updateOne(wire, req.input_mask);
        this.recordChange('entry_updated', ctx, before, updated);
        results.push({ status: this.okStatus(updated), entry: entryToWire(updated, req.output_mask) });
        changed = true;
      } catch (err) {
        results.push({ status: opError(err, 'update') });
      }
    }
    if (changed) await this.deps.cache.refresh();
    return { results };
  }

  /** Validates the masked fields over the stored entry, then writes them. */
  private async updateOne(
    wire: WireEntry,
    inputMask: WireEntryMask | null,
  ): Promise<{ before: RegistrationEntry; updated: RegistrationEntry }> {
    if (wire.id === '')
      throw new InvalidArgumentError('failed to convert entry: missing entry ID', 'ERR_MISSING_ID');
    const existing = await this.deps.datastore.getEntry(wire.id);
    if (existing === undefined) throw new NotFoundError('entry not found', 'ERR_ENTRY_NOT_FOUND');
    const merged = { ...(entryToWire(existing) as WireEntry) };
    const fields = Object.keys(merged) as Array<keyof WireEntry>;
    for (const field of fields) {
      if (field === 'id' || field === 'revision_number' || field === 'created_at') continue;
      // An update that carries no additional_attributes message keeps the stored ones (the CLI sends none
      // unless -jwtSVIDIncludeJTI / -disableX509SVIDPrefetch is given).
      if (field === 'additional_attributes' && (wire.additional_attributes ?? null) === null) continue;
      if (inputMask === null || inputMask[field as keyof WireEntryMask]) {
        (merged as unknown as Record<string, unknown>)[field] = wire[field];
      }
    }
    const converted = entryFromWire(merged, this.deps.trustDomain);
    const updated = await this.deps.datastore.updateEntry(
      { ...existing, ...converted, id: existing.id },
      entryMaskFromWire(inputMask),
    );
    return { before: existing, updated };
  }

  async batchDelete(req: { ids: string[] }, ctx: RpcContext) {
    requireBatchSize(req.ids.length, this.deps.maxBatchSize, 'ids');
    const results: Array<{ status: ApiStatus; id: string }> = [];
    let changed = false;
    for (const id of req.ids) {
      if (id === '') {
        results.push({ status: { code: 3, message: 'missing entry ID' }, id });
        continue;
      }
      try {
        const deleted = await this.deps.datastore.deleteEntry(id);
        this.recordChange('entry_deleted', ctx, deleted, undefined);
        results.push({ status: OK_STATUS, id });
        changed = true;
      } catch (err) {
        results.push({
          status:
            err instanceof NotFoundError ? { code: 5, message: 'entry not found' } : opError(err, 'delete'),
          id,
        });
      }
    }
    if (changed) await this.deps.cache.refresh();
    return { results };
  }

  /**
   * The OK status of a written entry; when its TTLs cannot be honoured now, the message says so (`OK; warning:
   * …`) and the server logs it, once per entry write rather than once per SVID.
   */
  private okStatus(entry: RegistrationEntry): ApiStatus {
    const notices = ttlNotices(
      entry,
      this.deps.ca,
      this.deps.ca.ttlSettings(),
      Math.floor(this.deps.now() / 1000),
    );
    if (notices.length === 0) return OK_STATUS;
    this.deps.logger.warn('Entry TTL will be capped', {
      entry_id: entry.id,
      spiffe_id: entry.spiffeId,
      warning: notices.join('; '),
    });
    return { code: OK_STATUS.code, message: okMessage(notices) };
  }

  /** Trail line of one entry change: keyed by the entry's SPIFFE ID, with who did it and before/after. */
  private recordChange(
    event: 'entry_created' | 'entry_updated' | 'entry_deleted',
    ctx: RpcContext,
    before: RegistrationEntry | undefined,
    after: RegistrationEntry | undefined,
  ): void {
    const entry = (after ?? before) as RegistrationEntry;
    this.deps.trail?.record({
      event,
      spiffe_id: entry.spiffeId,
      entry_id: entry.id,
      ...whoCalled(ctx.caller),
      ...(before === undefined ? {} : { before: entryState(before) }),
      ...(after === undefined ? {} : { after: entryState(after) }),
    });
  }
}
