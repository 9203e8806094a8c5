/** The entry shape the entry commands build, send and print (a `spire.api.types.Entry`). */
import type { Writable } from 'node:stream';
import { goUtcTime } from '../support/format';
import { protoToIdString, type SelectorProto, type SpiffeIdProto } from '../support/ids';

/** `spire.api.types.Entry` as the CLI handles it (server replies and locally built entries alike). */
export interface EntryView {
  id: string;
  spiffe_id: SpiffeIdProto | null;
  parent_id: SpiffeIdProto | null;
  selectors: SelectorProto[];
  x509_svid_ttl: number;
  jwt_svid_ttl: number;
  federates_with: string[];
  admin: boolean;
  downstream: boolean;
  expires_at: number;
  dns_names: string[];
  revision_number: number;
  store_svid: boolean;
  hint: string;
  created_at: number;
  additional_attributes: { disable_x509_svid_prefetch: boolean; jwt_svid_include_jti: boolean } | null;
}

/** A fully populated entry with every field at its proto3 default. */
export function emptyEntry(): EntryView {
  return {
    id: '',
    spiffe_id: null,
    parent_id: null,
    selectors: [],
    x509_svid_ttl: 0,
    jwt_svid_ttl: 0,
    federates_with: [],
    admin: false,
    downstream: false,
    expires_at: 0,
    dns_names: [],
    revision_number: 0,
    store_svid: false,
    hint: '',
    created_at: 0,
    additional_attributes: null,
  };
}

const LABEL_WIDTH = 24;

function line(label: string, value: string | number | boolean): string {
  return `${label.padEnd(LABEL_WIDTH)}: ${String(value)}\n`;
}

/** SPIRE's entry block (labels padded to 24 columns), ending with a blank line. */
export function formatEntry(e: EntryView): string {
  let text = line('Entry ID', e.id === '' ? '(none)' : e.id);
  text += line('SPIFFE ID', protoToIdString(e.spiffe_id));
  text += line('Parent ID', protoToIdString(e.parent_id));
  text += line('Revision', e.revision_number);
  if (e.downstream) text += line('Downstream', true);
  text += line('X509-SVID TTL', e.x509_svid_ttl === 0 ? 'default' : e.x509_svid_ttl);
  text += line('JWT-SVID TTL', e.jwt_svid_ttl === 0 ? 'default' : e.jwt_svid_ttl);
  if (e.expires_at) text += line('Expiration time', goUtcTime(Number(e.expires_at)));
  for (const s of e.selectors) text += line('Selector', `${s.type}:${s.value}`);
  for (const td of e.federates_with) text += line('FederatesWith', td);
  for (const dns of e.dns_names) text += line('DNS name', dns);
  if (e.admin) text += line('Admin', true);
  if (e.store_svid) text += line('StoreSvid', true);
  if (e.hint) text += line('Hint', e.hint);
  if (e.additional_attributes?.disable_x509_svid_prefetch) text += line('DisableX509SvidPrefetch', true);
  if (e.additional_attributes?.jwt_svid_include_jti) text += line('JwtSvidIncludeJti', true);
  return `${text}\n`;
}

/** Writes {@link formatEntry} to `out`. */
export function printEntry(out: Writable, e: EntryView): void {
  out.write(formatEntry(e));
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function compareSelectors(a: SelectorProto[], b: SelectorProto[]): number {
  if (a.length !== b.length) return a.length - b.length;
  for (let i = 0; i < a.length; i++) {
    const c = compare(a[i].type, b[i].type) || compare(a[i].value, b[i].value);
    if (c !== 0) return c;
  }
  return 0;
}

/** SPIRE's `SortTypesEntries`: selectors sorted, then entries by SPIFFE ID, parent ID, TTLs and selectors. */
export function sortEntries(entries: EntryView[]): EntryView[] {
  for (const e of entries) e.selectors.sort((a, b) => compare(a.type, b.type) || compare(a.value, b.value));
  return entries.sort(
    (a, b) =>
      compare(a.spiffe_id?.trust_domain ?? '', b.spiffe_id?.trust_domain ?? '') ||
      compare(a.spiffe_id?.path ?? '', b.spiffe_id?.path ?? '') ||
      compare(a.parent_id?.trust_domain ?? '', b.parent_id?.trust_domain ?? '') ||
      compare(a.parent_id?.path ?? '', b.parent_id?.path ?? '') ||
      a.x509_svid_ttl - b.x509_svid_ttl ||
      a.jwt_svid_ttl - b.jwt_svid_ttl ||
      compareSelectors(a.selectors, b.selectors),
  );
}
