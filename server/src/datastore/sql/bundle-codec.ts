/**
 * The stored form of a bundle, private to the SQL store: a row holds the authorities as JSON (DER in base64,
 * tainted flags, JWT key expiry). Operations read-modify-write this form; the store's callers see
 * `SpiffeBundle`s only (see `spiffe-codec.ts`).
 */
import { X509Certificate } from 'node:crypto';
import { InternalError, InvalidArgumentError } from '@lanyard/base';
import { parseCertificate, type ParsedCertificate } from '../../ca/der/parse-certificate';
import { subjectKeyId } from '../../ca/der/signer';
import type { BundleTable } from './schema';

/** An X.509 root of a stored bundle. */
export interface StoredX509Authority {
  /** Certificate DER. */
  asn1: Buffer;
  tainted?: boolean;
}

/** A JWT signing key of a stored bundle. */
export interface StoredJwtAuthority {
  /** Public key, PKIX (SubjectPublicKeyInfo) DER. */
  publicKey: Buffer;
  keyId: string;
  /** Unix seconds; 0 = no expiry. */
  expiresAt: number;
  tainted?: boolean;
}

/** A stored bundle, field for field SPIRE's `types.Bundle`. */
export interface StoredBundle {
  /** Trust domain name, e.g. `example.org`. */
  trustDomain: string;
  x509Authorities: StoredX509Authority[];
  jwtAuthorities: StoredJwtAuthority[];
  /** Seconds; 0 = unset. */
  refreshHint: number;
  /** 0 = unset. */
  sequenceNumber: number;
}

/** JSON shape of the `bundles.authorities` column (binary as base64). */
interface StoredAuthorities {
  x509: { der: string; tainted?: boolean }[];
  jwt: { key: string; kid: string; exp: number; tainted?: boolean }[];
}

/** Serialises a bundle's authorities for the `authorities` column. */
export function encodeAuthorities(b: Pick<StoredBundle, 'x509Authorities' | 'jwtAuthorities'>): string {
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
export function storedFromRow(r: BundleTable): StoredBundle {
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
export function bundleRow(b: StoredBundle): BundleTable {
  return {
    trust_domain: b.trustDomain,
    authorities: encodeAuthorities(b),
    refresh_hint: b.refreshHint,
    sequence_number: b.sequenceNumber,
  };
}

function sameJwtKey(a: StoredJwtAuthority, b: StoredJwtAuthority): boolean {
  return a.keyId === b.keyId && a.publicKey.equals(b.publicKey);
}

/**
 * `current` plus the authorities of `extra` it lacks; `changed` tells whether anything was added.
 * @throws InvalidArgumentError when `extra` brings another key under a key ID `current` already has.
 */
export function mergeAuthorities(
  current: StoredBundle,
  extra: StoredBundle,
): { bundle: StoredBundle; changed: boolean } {
  const x509 = [...current.x509Authorities];
  const jwt = [...current.jwtAuthorities];
  for (const a of extra.x509Authorities) if (!x509.some((c) => c.asn1.equals(a.asn1))) x509.push(a);
  for (const k of extra.jwtAuthorities) {
    const present = jwt.find((c) => c.keyId === k.keyId);
    if (present === undefined) jwt.push(k);
    else if (!sameJwtKey(present, k)) {
      throw new InvalidArgumentError(
        `jwt authority "${k.keyId}" is already in the bundle of "${current.trustDomain}" with another key`,
        'ERR_JWT_KEY_ID_TAKEN',
      );
    }
  }
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
export function hasSubjectKeyId(authority: StoredX509Authority, ski: string): boolean {
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
