import { createHash, X509Certificate } from 'node:crypto';
import { InternalError } from '@lanyard/base';
import type { Bundle, JwtAuthority, X509Authority } from '../types';
import type { BundleTable } from './schema';

/** JSON shape of the `bundles.authorities` column (binary as base64). */
interface StoredAuthorities {
  x509: { der: string; tainted?: boolean }[];
  jwt: { key: string; kid: string; exp: number; tainted?: boolean }[];
}

/** Serialises a bundle's authorities for the `authorities` column. */
export function encodeAuthorities(b: Pick<Bundle, 'x509Authorities' | 'jwtAuthorities'>): string {
  const stored: StoredAuthorities = {
    x509: b.x509Authorities.map((a) => ({
      der: a.asn1.toString('base64'),
      ...(a.tainted ? { tainted: true } : {}),
    })),
    jwt: b.jwtAuthorities.map((k) => ({
      key: k.publicKey.toString('base64'),
      kid: k.keyId,
      exp: k.expiresAt,
      ...(k.tainted ? { tainted: true } : {}),
    })),
  };
  return JSON.stringify(stored);
}

/** A bundle from its row. @throws InternalError when the stored JSON is corrupt. */
export function bundleFromRow(r: BundleTable): Bundle {
  let stored: StoredAuthorities;
  try {
    stored = JSON.parse(r.authorities) as StoredAuthorities;
  } catch (err) {
    throw new InternalError(`bundle "${r.trust_domain}" is corrupt in the datastore`, 'ERR_CORRUPT_BUNDLE', {
      cause: err,
    });
  }
  return {
    trustDomain: r.trust_domain,
    x509Authorities: stored.x509.map((a) => ({
      asn1: Buffer.from(a.der, 'base64'),
      ...(a.tainted ? { tainted: true } : {}),
    })),
    jwtAuthorities: stored.jwt.map((k) => ({
      publicKey: Buffer.from(k.key, 'base64'),
      keyId: k.kid,
      expiresAt: Number(k.exp),
      ...(k.tainted ? { tainted: true } : {}),
    })),
    refreshHint: Number(r.refresh_hint),
    sequenceNumber: Number(r.sequence_number),
  };
}

/** The row for a bundle. */
export function bundleRow(b: Bundle): BundleTable {
  return {
    trust_domain: b.trustDomain,
    authorities: encodeAuthorities(b),
    refresh_hint: b.refreshHint,
    sequence_number: b.sequenceNumber,
  };
}

function sameJwtKey(a: JwtAuthority, b: JwtAuthority): boolean {
  return a.keyId === b.keyId && a.publicKey.equals(b.publicKey);
}

/** `current` plus the authorities of `extra` it lacks; `changed` tells whether anything was added. */
export function mergeAuthorities(current: Bundle, extra: Bundle): { bundle: Bundle; changed: boolean } {
  const x509 = [...current.x509Authorities];
  const jwt = [...current.jwtAuthorities];
  for (const a of extra.x509Authorities) if (!x509.some((c) => c.asn1.equals(a.asn1))) x509.push(a);
  for (const k of extra.jwtAuthorities) if (!jwt.some((c) => sameJwtKey(c, k))) jwt.push(k);
  const changed =
    x509.length !== current.x509Authorities.length || jwt.length !== current.jwtAuthorities.length;
  return { bundle: { ...current, x509Authorities: x509, jwtAuthorities: jwt }, changed };
}

/** Unix seconds when the certificate expires. */
export function certNotAfter(der: Buffer): number {
  return Math.floor(Date.parse(new X509Certificate(der).validTo) / 1000);
}

/** `06 03 55 1d 0e` = OID 2.5.29.14 (subjectKeyIdentifier). */
const SKI_OID = Buffer.from([0x06, 0x03, 0x55, 0x1d, 0x0e]);

/** Subject key ID from the certificate's extension, as lower-case hex; undefined when absent. */
function skiExtension(der: Buffer): string | undefined {
  const at = der.indexOf(SKI_OID);
  if (at < 0) return undefined;
  let i = at + SKI_OID.length;
  if (der[i] === 0x01) i += 3; // optional critical BOOLEAN
  if (der[i] !== 0x04 || der[i + 2] !== 0x04) return undefined;
  const len = der[i + 3] ?? 0;
  return der.subarray(i + 4, i + 4 + len).toString('hex');
}

/** Reads one DER TLV at `offset`: where its content starts and where it ends. */
function readTlv(der: Buffer, offset: number): { start: number; end: number } {
  const first = der[offset + 1] ?? 0;
  if (first < 0x80) return { start: offset + 2, end: offset + 2 + first };
  const n = first & 0x7f;
  let len = 0;
  for (let i = 0; i < n; i++) len = len * 256 + (der[offset + 2 + i] ?? 0);
  return { start: offset + 2 + n, end: offset + 2 + n + len };
}

/** SHA-1 of the subjectPublicKey bits (RFC 5280 §4.2.1.2 method 1), lower-case hex. */
function skiComputed(der: Buffer): string {
  const spki = new X509Certificate(der).publicKey.export({ type: 'spki', format: 'der' });
  const outer = readTlv(spki, 0);
  const algorithm = readTlv(spki, outer.start);
  const bits = readTlv(spki, algorithm.end);
  return createHash('sha1')
    .update(spki.subarray(bits.start + 1, bits.end))
    .digest('hex');
}

/** True when the authority's subject key ID (extension, or computed from its key) equals `ski` (hex). */
export function hasSubjectKeyId(authority: X509Authority, ski: string): boolean {
  const wanted = ski.toLowerCase();
  return skiExtension(authority.asn1) === wanted || skiComputed(authority.asn1) === wanted;
}
