/**
 * The A/B slot journal shared by the X.509 CA and the JWT key (SPIRE-COMPAT §8.2): a `current` slot that signs
 * and a `next` slot that is either PREPARED (published, not yet signing) or OLD (the previous current), plus
 * the list of authorities published in the bundle. Pure state machine: no I/O, time passed in.
 */
import { FailedPreconditionError, InvalidArgumentError, UnavailableError } from '@lanyard/base';
import type { AuthorityState, AuthorityStates } from './types';

/** Slot names; key IDs are derived from them (`x509-CA-A`, `JWT-Signer-B`, …). */
export type SlotName = 'A' | 'B';

/** What every authority kind exposes to the slot logic. Times in ms. */
export interface SlotAuthority {
  /** X.509: SKI hex; JWT: key ID. */
  authorityId: string;
  /** Start of the authority's lifetime. */
  notBefore: number;
  /** End of the authority's lifetime. */
  notAfter: number;
  /** Upstream SKI hex or ''. */
  upstreamAuthoritySubjectKeyId?: string;
}

/** One occupied slot. */
export interface Slot<T extends SlotAuthority> {
  /** Slot name. */
  name: SlotName;
  /** `active` only for current; `prepared` or `old` for next. */
  status: 'active' | 'prepared' | 'old';
  /** The authority. */
  authority: T;
}

/** One bundle entry: X.509 root DER or JWT PKIX public key DER. */
export interface PublishedAuthority {
  /** X.509: SKI hex of the root; JWT: key ID. */
  id: string;
  /** Root / key DER. */
  der: Buffer;
  /** Expiry (ms). */
  notAfter: number;
  /** Tainted flag. */
  tainted: boolean;
}

/** Wording differences between the X.509 and JWT flavours of the LocalAuthority errors. */
export interface SlotLabels {
  /** Datastore-style noun for revoke/taint errors: `root CA` or `key`. */
  noun: string;
  /** Datastore error when nothing in the bundle has the ID. */
  missing: string;
}

const DAY_MS = 86_400_000;

/** Returns the other slot name. */
export function otherSlot(name: SlotName): SlotName {
  return name === 'A' ? 'B' : 'A';
}

/** When the successor of `authority` should be prepared: NotAfter − min(lifetime/2, 30d). */
export function prepareAt(authority: SlotAuthority): number {
  return authority.notAfter - Math.min((authority.notAfter - authority.notBefore) / 2, 30 * DAY_MS);
}

/** When the successor should be activated: NotAfter − min(lifetime/6, 7d). */
export function activateAt(authority: SlotAuthority): number {
  return authority.notAfter - Math.min((authority.notAfter - authority.notBefore) / 6, 7 * DAY_MS);
}

/** Slot pair + published list. Mutating methods return nothing; callers persist and emit events. */
export class AuthoritySlots<T extends SlotAuthority> {
  /** The signing slot. */
  current?: Slot<T>;
  /** The prepared or old slot. */
  next?: Slot<T>;
  /** Bundle entries, in publication order. */
  published: PublishedAuthority[] = [];

  constructor(private readonly labels: SlotLabels) {}

  /** The slot name a new authority goes into. */
  nextSlotName(): SlotName {
    if (this.current) return otherSlot(this.current.name);
    return this.next ? otherSlot(this.next.name) : 'A';
  }

  /** The active authority, or `UnavailableError('server is initializing')`. */
  active(): T {
    if (!this.current) throw new UnavailableError('server is initializing', 'ERR_CA_INITIALIZING');
    return this.current.authority;
  }

  /** LocalAuthority show. */
  states(): AuthorityStates {
    const taintedIds = new Set(this.published.filter((p) => p.tainted).map((p) => p.id));
    const view = (slot?: Slot<T>): AuthorityState | undefined =>
      slot && {
        authorityId: slot.authority.authorityId,
        expiresAt: Math.floor(slot.authority.notAfter / 1000),
        upstreamAuthoritySubjectKeyId: slot.authority.upstreamAuthoritySubjectKeyId ?? '',
        tainted: taintedIds.has(slot.authority.authorityId),
      };
    return {
      active: view(this.current),
      prepared: this.next?.status === 'prepared' ? view(this.next) : undefined,
      old: this.next?.status === 'old' ? view(this.next) : undefined,
    };
  }

  /** Installs `authority` as the new current (startup or recovery); the previous current becomes old. */
  installActive(name: SlotName, authority: T, entries: PublishedAuthority[]): void {
    if (this.current) this.next = { ...this.current, status: 'old' };
    this.current = { name, status: 'active', authority };
    this.publish(entries);
  }

  /** Puts `authority` into the next slot as PREPARED; a replaced never-activated authority leaves the bundle. */
  installPrepared(name: SlotName, authority: T, entries: PublishedAuthority[]): void {
    const replaced = this.next?.status === 'prepared' ? this.next.authority.authorityId : undefined;
    if (replaced && !entries.some((e) => e.id === replaced)) {
      this.published = this.published.filter((p) => p.id !== replaced);
    }
    this.next = { name, status: 'prepared', authority };
    this.publish(entries);
  }

  /** Swaps current and next: PREPARED → active, active → OLD. Validates like SPIRE when `authorityId` is given. */
  activate(authorityId?: string): Slot<T> {
    if (authorityId !== undefined) this.requireNextId(authorityId, 'activate');
    const next = this.next;
    if (!next || next.status !== 'prepared') {
      throw new FailedPreconditionError('only Prepared authorities can be activated', 'ERR_AUTHORITY_STATUS');
    }
    this.next = this.current ? { ...this.current, status: 'old' } : undefined;
    this.current = { ...next, status: 'active' };
    return this.current;
  }

  /** Marks the bundle entries with `id` tainted (datastore semantics: must exist, must not be tainted yet). */
  markTainted(id: string): void {
    const entries = this.publishedWithId(id);
    if (entries.every((e) => e.tainted)) {
      throw new FailedPreconditionError(`${this.labels.noun} is already tainted`, 'ERR_ALREADY_TAINTED');
    }
    for (const entry of entries) entry.tainted = true;
  }

  /** Removes the bundle entries with `id` (datastore semantics: must exist and be tainted). */
  removeTainted(id: string): void {
    const entries = this.publishedWithId(id);
    if (!entries.every((e) => e.tainted)) {
      throw new FailedPreconditionError(
        `it is not possible to revoke an untainted ${this.labels.noun}`,
        'ERR_AUTHORITY_UNTAINTED',
      );
    }
    this.published = this.published.filter((p) => p.id !== id);
  }

  private publishedWithId(id: string): PublishedAuthority[] {
    const entries = this.published.filter((p) => p.id === id);
    if (entries.length === 0)
      throw new FailedPreconditionError(this.labels.missing, 'ERR_AUTHORITY_NOT_PUBLISHED');
    return entries;
  }

  /** Drops expired bundle entries; returns whether anything changed. */
  prune(nowMs: number): boolean {
    const before = this.published.length;
    this.published = this.published.filter((p) => p.notAfter > nowMs);
    return this.published.length !== before;
  }

  private publish(entries: PublishedAuthority[]): void {
    for (const entry of entries) {
      if (!this.published.some((p) => p.id === entry.id && p.der.equals(entry.der)))
        this.published.push(entry);
    }
  }

  /** LocalAuthority validation: `authorityId` must name the next slot (SPIRE's messages per verb). */
  requireNextId(authorityId: string, verb: 'activate' | 'taint' | 'revoke'): Slot<T> {
    if (!authorityId) throw new InvalidArgumentError('no authority ID provided', 'ERR_AUTHORITY_ID');
    if (verb !== 'activate' && authorityId === this.current?.authority.authorityId) {
      throw new InvalidArgumentError(
        verb === 'taint'
          ? 'unable to taint current local authority'
          : 'invalid authority ID: unable to use current authority',
        'ERR_AUTHORITY_ID',
      );
    }
    if (!this.next || authorityId !== this.next.authority.authorityId) {
      throw new InvalidArgumentError(
        verb === 'revoke'
          ? 'invalid authority ID: only Old local authority can be revoked'
          : 'unexpected authority ID',
        'ERR_AUTHORITY_ID',
      );
    }
    return this.next;
  }

  /** LocalAuthority validation: `authorityId` must name the next slot and it must be OLD. */
  requireOld(authorityId: string, verb: 'taint' | 'revoke'): Slot<T> {
    const slot = this.requireNextId(authorityId, verb);
    if (slot.status !== 'old') {
      throw new InvalidArgumentError(
        verb === 'taint'
          ? 'only Old local authorities can be tainted'
          : 'invalid authority ID: only Old local authority can be revoked',
        'ERR_AUTHORITY_STATUS',
      );
    }
    return slot;
  }
}
