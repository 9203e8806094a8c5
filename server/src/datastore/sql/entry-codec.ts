import { createHash, randomUUID } from 'node:crypto';
import { InvalidArgumentError } from '@lanyard/base';
import type { NewRegistrationEntry, RegistrationEntry, Selector } from '../types';
import type { EntryTable } from './schema';

/** Longest entry ID SPIRE accepts. */
const MAX_ENTRY_ID_LENGTH = 255;
const ENTRY_ID_CHARS = /^[A-Za-z0-9._-]+$/;

/** Sorts selectors by type then value and drops duplicates (the stored, canonical form). */
export function canonicalSelectors(selectors: readonly Selector[]): Selector[] {
  const byKey = new Map<string, Selector>();
  for (const s of selectors) byKey.set(`${s.type}\u0000${s.value}`, { type: s.type, value: s.value });
  return [...byKey.values()].sort((a, b) => compare(a.type, b.type) || compare(a.value, b.value));
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Sorted, deduplicated trust domain names. */
export function canonicalTrustDomains(trustDomains: readonly string[]): string[] {
  return [...new Set(trustDomains)].sort(compare);
}

/** sha256 over parent ID, SPIFFE ID and canonical selectors: equal exactly for SPIRE's "similar" entries. */
export function similarityKey(parentId: string, spiffeId: string, selectors: readonly Selector[]): string {
  const canon = canonicalSelectors(selectors).map((s) => [s.type, s.value]);
  return createHash('sha256')
    .update(JSON.stringify([parentId, spiffeId, canon]))
    .digest('hex');
}

function invalid(problem: string): InvalidArgumentError {
  return new InvalidArgumentError(`invalid registration entry: ${problem}`);
}

function checkInteger(value: number, field: string): void {
  if (!Number.isSafeInteger(value) || value < 0) throw invalid(`${field} must be a non-negative integer`);
}

function checkEntryId(id: string): void {
  if (id.length === 0) throw invalid('entry ID is empty');
  if (id.length > MAX_ENTRY_ID_LENGTH) throw invalid('entry ID too long');
  if (!ENTRY_ID_CHARS.test(id)) throw invalid('entry ID contains invalid characters');
}

function checkSelectors(selectors: readonly Selector[], storeSvid: boolean): void {
  if (selectors.length === 0) throw invalid('missing selector list');
  for (const s of selectors) {
    if (typeof s.type !== 'string' || s.type === '') throw invalid('selector type is empty');
    if (typeof s.value !== 'string' || s.value === '')
      throw invalid(`selector "${s.type}" has an empty value`);
  }
  if (storeSvid && new Set(selectors.map((s) => s.type)).size > 1) {
    throw invalid('selector types must be the same when store SVID is enabled');
  }
}

/**
 * The integrity checks the store owns (SPIRE's datastore validation); richer checks belong to the API.
 * @throws InvalidArgumentError `invalid registration entry: <problem>`.
 */
export function validateEntry(entry: NewRegistrationEntry): void {
  if (entry.id !== undefined) checkEntryId(entry.id);
  if (!entry.spiffeId) throw invalid('missing SPIFFE ID');
  if (!entry.parentId) throw invalid('missing parent ID');
  checkSelectors(entry.selectors ?? [], entry.storeSvid);
  if (!Number.isSafeInteger(entry.x509SvidTtl) || entry.x509SvidTtl < 0)
    throw invalid('X509SvidTtl is not set');
  if (!Number.isSafeInteger(entry.jwtSvidTtl) || entry.jwtSvidTtl < 0) throw invalid('JwtSvidTtl is not set');
  checkInteger(entry.expiresAt, 'expiresAt');
  for (const name of entry.dnsNames ?? []) if (!name) throw invalid('DNS name is empty');
  for (const td of entry.federatesWith ?? []) if (!td) throw invalid('federated trust domain is empty');
}

/** The normalized entry a create will store (id assigned, sets canonical, revision 0). */
export function prepareNewEntry(entry: NewRegistrationEntry, createdAt: number): RegistrationEntry {
  validateEntry(entry);
  return {
    id: entry.id ?? randomUUID(),
    spiffeId: entry.spiffeId,
    parentId: entry.parentId,
    selectors: canonicalSelectors(entry.selectors),
    x509SvidTtl: entry.x509SvidTtl,
    jwtSvidTtl: entry.jwtSvidTtl,
    dnsNames: [...(entry.dnsNames ?? [])],
    federatesWith: canonicalTrustDomains(entry.federatesWith ?? []),
    admin: Boolean(entry.admin),
    downstream: Boolean(entry.downstream),
    expiresAt: entry.expiresAt,
    revisionNumber: 0,
    storeSvid: Boolean(entry.storeSvid),
    hint: entry.hint ?? '',
    jwtSvidIncludeJti: entry.jwtSvidIncludeJti === true,
    disableX509SvidPrefetch: entry.disableX509SvidPrefetch === true,
    createdAt,
  };
}

/** Columns of the `registered_entries` row for an entry (children go to their own tables). */
export function entryRow(e: RegistrationEntry): Omit<EntryTable, 'seq'> {
  return {
    entry_id: e.id,
    spiffe_id: e.spiffeId,
    parent_id: e.parentId,
    similarity_key: similarityKey(e.parentId, e.spiffeId, e.selectors),
    x509_svid_ttl: e.x509SvidTtl,
    jwt_svid_ttl: e.jwtSvidTtl,
    admin: e.admin ? 1 : 0,
    downstream: e.downstream ? 1 : 0,
    store_svid: e.storeSvid ? 1 : 0,
    expires_at: e.expiresAt,
    revision_number: e.revisionNumber,
    hint: e.hint,
    jwt_svid_include_jti: e.jwtSvidIncludeJti ? 1 : 0,
    disable_x509_svid_prefetch: e.disableX509SvidPrefetch ? 1 : 0,
    created_at: e.createdAt,
  };
}

/** The set-valued fields of an entry, read from the child tables. */
export interface EntryChildren {
  selectors: Selector[];
  dnsNames: string[];
  federatesWith: string[];
}

/** An entry from its row; set-valued fields are `children`, or start empty to be filled from child tables. */
export function entryFromRow(
  r: Omit<EntryTable, 'seq' | 'similarity_key'>,
  children: EntryChildren = { selectors: [], dnsNames: [], federatesWith: [] },
): RegistrationEntry {
  return {
    id: r.entry_id,
    spiffeId: r.spiffe_id,
    parentId: r.parent_id,
    selectors: children.selectors,
    x509SvidTtl: Number(r.x509_svid_ttl),
    jwtSvidTtl: Number(r.jwt_svid_ttl),
    dnsNames: children.dnsNames,
    federatesWith: children.federatesWith,
    admin: Boolean(r.admin),
    downstream: Boolean(r.downstream),
    expiresAt: Number(r.expires_at),
    revisionNumber: Number(r.revision_number),
    storeSvid: Boolean(r.store_svid),
    hint: r.hint,
    jwtSvidIncludeJti: Boolean(r.jwt_svid_include_jti),
    disableX509SvidPrefetch: Boolean(r.disable_x509_svid_prefetch),
    createdAt: Number(r.created_at),
  };
}
