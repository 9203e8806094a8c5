/**
 * Drives one authority kind (X.509 CA or JWT key) through the slot journal: restore from the journal and the
 * KeyManager, mint fresh authorities, prepare/activate on schedule, prune the bundle.
 */
import type { KeyObject } from 'node:crypto';
import type { PluginLogger } from '@lanyard/attestor-core';
import {
  AuthoritySlots,
  activateAt,
  prepareAt,
  type PublishedAuthority,
  type SlotAuthority,
  type SlotLabels,
  type SlotName,
} from './authority-slots';
import type { JournalSection, JournalSlot } from './journal';
import type { KeyManager, KeyType } from './types';

/** The kind-specific half: how to mint, load, store and publish one authority. */
export interface AuthorityKind<T extends SlotAuthority, R> {
  /** Key ID prefix in the KeyManager (`x509-CA-`, `JWT-Signer-`). */
  keyIdPrefix: string;
  /** Error wording. */
  labels: SlotLabels;
  /** Log prefix as SPIRE writes it: `X509 CA` or `JWT key`. */
  logName: string;
  /** Key type for new keys. */
  keyType: KeyType;
  /** Creates a new authority around a freshly generated key (an upstream server may be asked to sign it). */
  mint(key: KeyObject, nowMs: number): T | Promise<T>;
  /** Rebuilds an authority from its journal record and key; throws when they do not fit. */
  load(record: R, key: KeyObject): T;
  /** The journal record of an authority. */
  toRecord(authority: T): R;
  /** The bundle entries an authority contributes. */
  publishedEntries(authority: T): PublishedAuthority[];
}

/** What a rotation step changed, so the facade can persist and emit events. */
export interface RotationOutcome {
  /** Bundle contents changed. */
  bundleChanged: boolean;
  /** A new authority became active. */
  activated: boolean;
  /** A new authority was prepared by the schedule. */
  prepared?: boolean;
}

/** One kind's manager. */
export class AuthorityManager<T extends SlotAuthority, R> {
  /** The slot state. */
  readonly slots: AuthoritySlots<T>;

  constructor(
    private readonly kind: AuthorityKind<T, R>,
    private readonly keyManager: KeyManager,
    private readonly logger: PluginLogger,
  ) {
    this.slots = new AuthoritySlots<T>(kind.labels);
  }

  /** Restores slots and the published list; slots whose key is missing or mismatched are dropped (logged). */
  async restore(
    section: JournalSection<R> | undefined,
    decodePublished: (s: JournalSection<R>) => PublishedAuthority[],
  ): Promise<void> {
    if (!section) return;
    this.slots.published = decodePublished(section);
    const current = await this.restoreSlot(section.current);
    const next = await this.restoreSlot(section.next);
    if (current?.status === 'active') this.slots.current = current;
    if (next && next.status !== 'active') this.slots.next = next;
  }

  private async restoreSlot(stored: JournalSlot<R> | undefined) {
    if (!stored) return undefined;
    const keyId = this.kind.keyIdPrefix + stored.name;
    const key = await this.keyManager.getKey(keyId);
    if (!key) {
      this.logger.warn('Authority key missing from the key manager; the slot is discarded', { slot: keyId });
      return undefined;
    }
    try {
      return { name: stored.name, status: stored.status, authority: this.kind.load(stored.record, key) };
    } catch (err) {
      this.logger.warn('Authority slot cannot be restored; the slot is discarded', {
        slot: keyId,
        error: err instanceof Error ? err.message : String(err),
      });
      return undefined;
    }
  }

  /** The journal section for the current state. */
  toSection(
    encodePublished: (p: PublishedAuthority) => JournalSection<R>['published'][number],
  ): JournalSection<R> {
    const slot = (s: AuthoritySlots<T>['current']): JournalSlot<R> | undefined =>
      s && { name: s.name, status: s.status, record: this.kind.toRecord(s.authority) };
    return {
      current: slot(this.slots.current),
      next: slot(this.slots.next),
      published: this.slots.published.map(encodePublished),
    };
  }

  /** One scheduled step at `nowMs` (SPIRE-COMPAT §8.2). */
  async rotate(nowMs: number): Promise<RotationOutcome> {
    const outcome: RotationOutcome = { bundleChanged: false, activated: false };
    const current = this.slots.current?.authority;
    if (!current || nowMs >= current.notAfter) {
      const next = this.slots.next;
      const usable = next?.status === 'prepared' && nowMs < next.authority.notAfter;
      if (usable) this.logActivated(this.slots.activate().authority);
      else await this.mintInto(this.slots.nextSlotName(), 'active', nowMs);
      const pruned = this.slots.prune(nowMs);
      return { bundleChanged: !usable || pruned, activated: true };
    }
    if (this.slots.next?.status !== 'prepared' && nowMs >= prepareAt(current)) {
      await this.prepare(nowMs);
      outcome.bundleChanged = true;
      outcome.prepared = true;
    }
    if (this.slots.next?.status === 'prepared' && nowMs >= activateAt(current)) {
      this.logActivated(this.slots.activate().authority);
      outcome.activated = true;
    }
    if (this.slots.prune(nowMs)) outcome.bundleChanged = true;
    return outcome;
  }

  /** Mints a new authority into the next slot as PREPARED and publishes it. */
  async prepare(nowMs: number): Promise<T> {
    this.slots.active();
    return this.mintInto(this.slots.nextSlotName(), 'prepared', nowMs);
  }

  private async mintInto(name: SlotName, status: 'active' | 'prepared', nowMs: number): Promise<T> {
    const key = await this.keyManager.generateKey(this.kind.keyIdPrefix + name, this.kind.keyType);
    const authority = await this.kind.mint(key, nowMs);
    const entries = this.kind.publishedEntries(authority);
    if (status === 'active') this.slots.installActive(name, authority, entries);
    else this.slots.installPrepared(name, authority, entries);
    if (status === 'active') this.logActivated(authority);
    else this.logger.info(`${this.kind.logName} prepared`, this.logFields(authority));
    return authority;
  }

  /** Logs an activation the way SPIRE does (`X509 CA activated`, `JWT key activated`). */
  logActivated(authority: SlotAuthority): void {
    this.logger.info(`${this.kind.logName} activated`, this.logFields(authority));
  }

  private logFields(authority: SlotAuthority): Record<string, unknown> {
    return {
      local_authority_id: authority.authorityId,
      expiration: new Date(authority.notAfter).toISOString(),
    };
  }
}
