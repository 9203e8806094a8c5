import { X509Certificate, createPublicKey } from 'node:crypto';
import { InvalidArgumentError } from '@lanyard/base';
import type { Bundle, BundleMask, JwtAuthority, X509Authority } from '../../datastore/types';
import { parseTrustDomain } from '../../util/spiffe-id';
import type { WireBundle, WireBundleMask, WireJwtKey, WireX509Certificate } from '../wire';

/** Validates an X.509 authority: the bytes must be one DER certificate. */
export function x509AuthorityFromWire(wire: WireX509Certificate, field: string): X509Authority {
  try {
    new X509Certificate(wire.asn1);
  } catch {
    throw new InvalidArgumentError(
      `failed to convert X.509 authority: ${field}: unable to parse certificate`,
      'ERR_X509_AUTHORITY',
    );
  }
  return { asn1: Buffer.from(wire.asn1), tainted: wire.tainted };
}

/** Validates a JWT authority: non-empty key ID and a PKIX DER public key. */
export function jwtAuthorityFromWire(wire: WireJwtKey, field: string): JwtAuthority {
  if (wire.key_id === '') {
    throw new InvalidArgumentError(
      `failed to convert JWT authority: ${field}: missing key ID`,
      'ERR_JWT_AUTHORITY',
    );
  }
  try {
    createPublicKey({ key: wire.public_key, format: 'der', type: 'spki' });
  } catch {
    throw new InvalidArgumentError(
      `failed to convert JWT authority: ${field}: unable to parse public key`,
      'ERR_JWT_AUTHORITY',
    );
  }
  return {
    publicKey: Buffer.from(wire.public_key),
    keyId: wire.key_id,
    expiresAt: wire.expires_at,
    tainted: wire.tainted,
  };
}

/** Validates and converts a whole bundle (trust domain given bare or as `spiffe://td`). */
export function bundleFromWire(wire: WireBundle): Bundle {
  let trustDomain: string;
  try {
    trustDomain = parseTrustDomain(wire.trust_domain);
  } catch (err) {
    throw new InvalidArgumentError(
      `failed to convert bundle: trust_domain: ${(err as Error).message}`,
      'ERR_BUNDLE',
    );
  }
  return {
    trustDomain,
    x509Authorities: wire.x509_authorities.map((a, i) => x509AuthorityFromWire(a, `x509_authorities[${i}]`)),
    jwtAuthorities: wire.jwt_authorities.map((a, i) => jwtAuthorityFromWire(a, `jwt_authorities[${i}]`)),
    refreshHint: wire.refresh_hint,
    sequenceNumber: wire.sequence_number,
  };
}

/** Bundle → wire with only masked fields (`trust_domain` always). */
export function bundleToWire(bundle: Bundle, mask?: WireBundleMask | null): Partial<WireBundle> {
  const all = mask === null || mask === undefined;
  const out: Partial<WireBundle> = { trust_domain: bundle.trustDomain };
  if (all || mask.x509_authorities) {
    out.x509_authorities = bundle.x509Authorities.map((a) => ({ asn1: a.asn1, tainted: a.tainted ?? false }));
  }
  if (all || mask.jwt_authorities) out.jwt_authorities = bundle.jwtAuthorities.map(jwtKeyToWire);
  if (all || mask.refresh_hint) out.refresh_hint = bundle.refreshHint;
  if (all || mask.sequence_number) out.sequence_number = bundle.sequenceNumber;
  return out;
}

/** JWT authority → wire key. */
export function jwtKeyToWire(a: JwtAuthority): WireJwtKey {
  return { public_key: a.publicKey, key_id: a.keyId, expires_at: a.expiresAt, tainted: a.tainted ?? false };
}

/** Wire input mask → datastore mask. */
export function bundleMaskFromWire(mask: WireBundleMask | null | undefined): BundleMask | undefined {
  if (mask === null || mask === undefined) return undefined;
  return {
    x509Authorities: mask.x509_authorities,
    jwtAuthorities: mask.jwt_authorities,
    refreshHint: mask.refresh_hint,
    sequenceNumber: mask.sequence_number,
  };
}
