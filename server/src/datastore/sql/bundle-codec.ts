import { X509Certificate } from 'node:crypto';
import { InternalError } from '@lanyard/base';
import type { Bundle, JwtAuthority, X509Authority } from '../types';
import { parseCertificate, type ParsedCertificate } from '../../ca/der/parse-certificate';
import { subjectKeyId } from '../../ca/der/signer';
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

/**
 * True when the authority's subject key ID equals `ski` (hex): the extension's value, or the key's SHA-1 as RFC 5280
 * §4.2.1.2 method 1 computes it. Certificates that do not parse match nothing.
 */
export function hasSubjectKeyId(authority: X509Authority, ski: string): boolean {
  const wanted = ski.toLowerCase();
  let cert: ParsedCertificate;
  try {
    cert = parseCertificate(authority.asn1, 'bundle authority');
  } catch {
    return false;
  }
  if (cert.subjectKeyId?.toString('hex') === wanted) return true;
  return subjectKeyId(cert.spkiDer).toString('hex') === wanted;
}
