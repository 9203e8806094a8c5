import { InvalidArgumentError } from '@lanyard/base';
import type { EntryMask, NewRegistrationEntry, RegistrationEntry } from '../../datastore/types';
import { parseTrustDomain } from '../../util/spiffe-id';
import type { WireEntry, WireEntryMask } from '../wire';
import { managedEntryProblem } from '../../managed/identity';
import { validateDnsName } from './dns';
import {
  idFromWire,
  idToWire,
  requireMemberOf,
  requireWorkloadId,
  selectorsFromWire,
  selectorsToWire,
} from './ids';

/** Longest hint SPIRE accepts. */
export const MAX_HINT_LENGTH = 1024;
const ENTRY_ID = /^[A-Za-z0-9._-]+$/;

function convertError(why: string): never {
  throw new InvalidArgumentError(`failed to convert entry: ${why}`, 'ERR_ENTRY_CONVERT');
}

function wrap<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof InvalidArgumentError && !err.message.startsWith('failed to'))
      convertError(err.message);
    throw err;
  }
}

/**
 * Validates a wire entry in SPIRE's order (parent ID, SPIFFE ID, DNS names, federates_with, selectors, hint,
 * then datastore rules: entry ID, TTLs, store_svid) and converts it to the datastore model.
 * Conversion errors read `failed to convert entry: <why>`; datastore-rule errors `failed to create entry: <why>`.
 */
export function entryFromWire(wire: WireEntry, trustDomain: string): NewRegistrationEntry & { id?: string } {
  const entry = wrap(() => {
    const parentId = idFromWire(wire.parent_id, 'invalid parent ID');
    requireMemberOf(parentId, trustDomain, 'invalid parent ID');
    const spiffeId = idFromWire(wire.spiffe_id, 'invalid spiffe ID');
    requireWorkloadId(spiffeId, trustDomain, 'invalid spiffe ID');
    wire.dns_names.forEach((name, i) => validateDnsName(name, `invalid DNS name: dns_names[${i}]`));
    const federatesWith = wire.federates_with.map((td) => {
      try {
        return parseTrustDomain(td);
      } catch (err) {
        throw new InvalidArgumentError(`invalid federated trust domain: ${(err as Error).message}`, 'ERR_TD');
      }
    });
    const selectors = selectorsFromWire(wire.selectors);
    const managed = managedEntryProblem(trustDomain, parentId, selectors);
    if (managed !== undefined)
      throw new InvalidArgumentError(`invalid selectors: ${managed}`, 'ERR_SELECTOR');
    if (wire.hint.length > MAX_HINT_LENGTH) {
      throw new InvalidArgumentError(
        `hint is too long, max length is ${MAX_HINT_LENGTH} characters`,
        'ERR_HINT',
      );
    }
    return { parentId, spiffeId, federatesWith, selectors };
  });
  validateStoreRules(wire);
  return {
    ...(wire.id !== '' ? { id: wire.id } : {}),
    spiffeId: entry.spiffeId,
    parentId: entry.parentId,
    selectors: entry.selectors,
    x509SvidTtl: wire.x509_svid_ttl,
    jwtSvidTtl: wire.jwt_svid_ttl,
    dnsNames: [...wire.dns_names],
    federatesWith: entry.federatesWith,
    admin: wire.admin,
    downstream: wire.downstream,
    expiresAt: wire.expires_at,
    storeSvid: wire.store_svid,
    hint: wire.hint,
    jwtSvidIncludeJti: wire.additional_attributes?.jwt_svid_include_jti === true,
    disableX509SvidPrefetch: wire.additional_attributes?.disable_x509_svid_prefetch === true,
  };
}

function storeError(why: string): never {
  throw new InvalidArgumentError(
    `failed to create entry: invalid registration entry: ${why}`,
    'ERR_ENTRY_INVALID',
  );
}

/** The datastore's own checks, done before any write so a bad item changes nothing. */
function validateStoreRules(wire: WireEntry): void {
  if (wire.id !== '') {
    if (wire.id.length > 255) storeError('entry ID too long');
    if (!ENTRY_ID.test(wire.id)) storeError('entry ID contains invalid characters');
  }
  if (wire.x509_svid_ttl < 0) storeError('X509SvidTtl is not set');
  if (wire.jwt_svid_ttl < 0) storeError('JwtSvidTtl is not set');
  if (wire.store_svid && new Set(wire.selectors.map((s) => s.type)).size > 1) {
    storeError('selector types must be the same when store SVID is enabled');
  }
  if (wire.store_svid && wire.additional_attributes?.disable_x509_svid_prefetch === true) {
    throw new InvalidArgumentError(
      'failed to create entry: specifying cache behaviour is incompatible with storable SVIDs',
      'ERR_ENTRY_INVALID',
    );
  }
}

/** Model entry → wire entry, keeping only masked fields (`null`/`undefined` mask = every field; `id` always). */
export function entryToWire(entry: RegistrationEntry, mask?: WireEntryMask | null): Partial<WireEntry> {
  const all = mask === null || mask === undefined;
  const out: Partial<WireEntry> = { id: entry.id };
  const want = (field: keyof WireEntryMask): boolean => all || mask[field];
  if (want('spiffe_id')) out.spiffe_id = idToWire(entry.spiffeId);
  if (want('parent_id')) out.parent_id = idToWire(entry.parentId);
  if (want('selectors')) out.selectors = selectorsToWire(entry.selectors);
  if (want('x509_svid_ttl')) out.x509_svid_ttl = entry.x509SvidTtl;
  if (want('jwt_svid_ttl')) out.jwt_svid_ttl = entry.jwtSvidTtl;
  if (want('federates_with')) out.federates_with = [...entry.federatesWith];
  if (want('admin')) out.admin = entry.admin;
  if (want('downstream')) out.downstream = entry.downstream;
  if (want('expires_at')) out.expires_at = entry.expiresAt;
  if (want('dns_names')) out.dns_names = [...entry.dnsNames];
  if (want('revision_number')) out.revision_number = entry.revisionNumber;
  if (want('store_svid')) out.store_svid = entry.storeSvid;
  if (want('hint')) out.hint = entry.hint;
  if (want('created_at')) out.created_at = entry.createdAt;
  if (want('additional_attributes')) {
    out.additional_attributes = {
      disable_x509_svid_prefetch: entry.disableX509SvidPrefetch,
      jwt_svid_include_jti: entry.jwtSvidIncludeJti,
    };
  }
  return out;
}

/** Wire input mask → datastore update mask (`null` → undefined = every field). */
export function entryMaskFromWire(mask: WireEntryMask | null | undefined): EntryMask | undefined {
  if (mask === null || mask === undefined) return undefined;
  return {
    spiffeId: mask.spiffe_id,
    parentId: mask.parent_id,
    selectors: mask.selectors,
    x509SvidTtl: mask.x509_svid_ttl,
    jwtSvidTtl: mask.jwt_svid_ttl,
    federatesWith: mask.federates_with,
    admin: mask.admin,
    downstream: mask.downstream,
    expiresAt: mask.expires_at,
    dnsNames: mask.dns_names,
    storeSvid: mask.store_svid,
    hint: mask.hint,
    jwtSvidIncludeJti: mask.additional_attributes,
    disableX509SvidPrefetch: mask.additional_attributes,
  };
}
