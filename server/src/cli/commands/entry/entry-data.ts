/**
 * `-data <file|->` for `entry create|update`: SPIRE's `common.RegistrationEntries` JSON
 * (`{"entries":[{...}]}`, keys matched case-insensitively like Go's encoding/json).
 */
import { CliFailure } from '../support/api-command';
import { fileErrorText, readFileOrStdin } from '../support/format';
import { parseId, parseTrustDomain } from '../support/ids';
import { emptyEntry, type EntryView } from './entry-view';

type Json = Record<string, unknown>;

/** Looks a key up the way Go's encoding/json does (exact match first, then case-insensitive). */
function get(obj: Json, key: string): unknown {
  if (key in obj) return obj[key];
  const lower = key.toLowerCase();
  const found = Object.keys(obj).find((k) => k.toLowerCase() === lower);
  return found === undefined ? undefined : obj[found];
}

function typed<T>(obj: Json, key: string, kind: 'string' | 'number' | 'boolean', fallback: T): T {
  const value = get(obj, key);
  if (value === undefined || value === null) return fallback;
  if (typeof value !== kind) {
    throw new CliFailure(
      `json: cannot unmarshal ${typeof value} into Go struct field RegistrationEntry.${key}`,
    );
  }
  return value as T;
}

function list(obj: Json, key: string): unknown[] {
  const value = get(obj, key);
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) {
    throw new CliFailure(
      `json: cannot unmarshal ${typeof value} into Go struct field RegistrationEntry.${key}`,
    );
  }
  return value;
}

function objectOf(value: unknown, what: string): Json {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new CliFailure(
      `json: cannot unmarshal ${Array.isArray(value) ? 'array' : typeof value} into ${what}`,
    );
  }
  return value as Json;
}

/** Converts one registration entry (SPIRE's `RegistrationEntryToProto`). */
function toEntry(raw: unknown): EntryView {
  const obj = objectOf(raw, 'Go value of type common.RegistrationEntry');
  const e = emptyEntry();
  const spiffeId = typed(obj, 'spiffe_id', 'string', '');
  const parentId = typed(obj, 'parent_id', 'string', '');
  const sid = withPrefix('invalid SPIFFE ID', () => parseId(spiffeId));
  e.spiffe_id = { trust_domain: sid.trustDomain.name, path: sid.path };
  const pid = withPrefix('invalid parent ID', () => parseId(parentId));
  e.parent_id = { trust_domain: pid.trustDomain.name, path: pid.path };
  e.id = typed(obj, 'entry_id', 'string', '');
  e.selectors = list(obj, 'selectors').map((s) => {
    const sel = objectOf(s, 'Go value of type common.Selector');
    return { type: typed(sel, 'type', 'string', ''), value: typed(sel, 'value', 'string', '') };
  });
  e.x509_svid_ttl = typed(obj, 'x509_svid_ttl', 'number', 0);
  e.jwt_svid_ttl = typed(obj, 'jwt_svid_ttl', 'number', 0);
  e.federates_with = list(obj, 'federates_with').map(
    (td) => withPrefix('invalid federated trust domain', () => parseTrustDomain(String(td))).name,
  );
  e.admin = typed(obj, 'admin', 'boolean', false);
  e.downstream = typed(obj, 'downstream', 'boolean', false);
  e.expires_at = typed(obj, 'entryExpiry', 'number', 0);
  e.dns_names = list(obj, 'dns_names').map(String);
  e.revision_number = typed(obj, 'revision_number', 'number', 0);
  e.store_svid = typed(obj, 'store_svid', 'boolean', false);
  e.hint = typed(obj, 'hint', 'string', '');
  e.created_at = typed(obj, 'created_at', 'number', 0);
  const attrs = get(obj, 'additional_attributes');
  if (attrs !== undefined && attrs !== null) {
    const a = objectOf(attrs, 'Go value of type common.RegistrationEntry_AdditionalAttributes');
    e.additional_attributes = {
      disable_x509_svid_prefetch: typed(a, 'disable_x509_svid_prefetch', 'boolean', false),
      jwt_svid_include_jti: typed(a, 'jwt_svid_include_jti', 'boolean', false),
    };
  }
  return e;
}

function withPrefix<T>(prefix: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw new CliFailure(`${prefix}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** Reads and converts `-data` (a path or `-` for stdin). */
export async function readEntryData(path: string): Promise<EntryView[]> {
  let text: Buffer;
  try {
    text = await readFileOrStdin(path);
  } catch (err) {
    throw new CliFailure(fileErrorText(path, err));
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text.toString('utf8'));
  } catch (err) {
    throw new CliFailure(`invalid character in registration JSON: ${(err as Error).message}`);
  }
  const entries = list(objectOf(doc, 'Go value of type common.RegistrationEntries'), 'entries');
  return entries.map(toEntry);
}
