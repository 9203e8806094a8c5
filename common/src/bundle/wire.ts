/**
 * The one conversion between `spire.api.types.Bundle` as grpc-js hands it over (snake_case fields, int64 as
 * number) and {@link SpiffeBundle}. The server's Bundle API, the agent's bundle fetch and the `bundle` CLI
 * commands all go through it, so every process validates and reads bundles the same way.
 */
import type { KeyObject, X509Certificate } from 'node:crypto';
import { InvalidArgumentError } from '@lanyard/base';
import { type AuthorityMetadata, ParsedAuthorities, SpiffeBundle, TrustDomain } from '@lanyard/spiffe';

/** `spire.api.types.X509Certificate`. */
export interface WireX509Certificate {
  asn1: Uint8Array;
  tainted: boolean;
}

/** `spire.api.types.JWTKey`. */
export interface WireJwtKey {
  public_key: Uint8Array;
  key_id: string;
  expires_at: number;
  tainted: boolean;
}

/** `spire.api.types.Bundle`. */
export interface WireBundle {
  trust_domain: string;
  x509_authorities: WireX509Certificate[];
  jwt_authorities: WireJwtKey[];
  refresh_hint: number;
  sequence_number: number;
}

/** `spire.api.types.BundleMask`. */
export type WireBundleMask = Record<
  'x509_authorities' | 'jwt_authorities' | 'refresh_hint' | 'sequence_number',
  boolean
>;

/** An X.509 authority read from the wire, with its metadata. */
export interface X509AuthorityInput {
  certificate: X509Certificate;
  metadata: AuthorityMetadata;
}

/** A JWT authority read from the wire, with its metadata. */
export interface JwtAuthorityInput {
  keyId: string;
  key: KeyObject;
  metadata: AuthorityMetadata;
}

/** Certificates and keys parsed from wire bundles, reused while the same bytes come again. */
const parsed = new ParsedAuthorities();
/** SubjectPublicKeyInfo DER of keys already sent, so a bundle served again exports nothing. */
const spkiOf = new WeakMap<KeyObject, Buffer>();

/** Validates an X.509 authority: the bytes must be one DER certificate. @throws InvalidArgumentError naming `field`. */
export function x509AuthorityFromWire(wire: WireX509Certificate, field: string): X509AuthorityInput {
  try {
    return { certificate: parsed.certificate(wire.asn1), metadata: { tainted: wire.tainted } };
  } catch {
    throw new InvalidArgumentError(
      `failed to convert X.509 authority: ${field}: unable to parse certificate`,
      'ERR_X509_AUTHORITY',
    );
  }
}

/** Validates a JWT authority: non-empty key ID and a PKIX DER public key. @throws InvalidArgumentError naming `field`. */
export function jwtAuthorityFromWire(wire: WireJwtKey, field: string): JwtAuthorityInput {
  const fail = (problem: string): InvalidArgumentError =>
    new InvalidArgumentError(`failed to convert JWT authority: ${field}: ${problem}`, 'ERR_JWT_AUTHORITY');
  if (wire.key_id === '') throw fail('missing key ID');
  let key: KeyObject;
  try {
    key = parsed.publicKey(wire.public_key);
  } catch {
    throw fail('unable to parse public key');
  }
  const expiresAt = Number(wire.expires_at);
  if (!Number.isSafeInteger(expiresAt) || expiresAt < 0) {
    throw fail('expires_at must be non-negative unix seconds');
  }
  return {
    keyId: wire.key_id,
    key,
    metadata: { tainted: wire.tainted, expiresAt: expiresAt > 0 ? expiresAt : undefined },
  };
}

/**
 * A {@link SpiffeBundle} of validated wire authorities; `numbers` are the wire's refresh hint and sequence
 * number (0 = unset). @throws InvalidArgumentError naming the field of a repeated JWT key ID.
 */
export function bundleFromAuthorities(
  trustDomain: TrustDomain,
  x509: readonly X509AuthorityInput[],
  jwt: readonly JwtAuthorityInput[],
  numbers: { refreshHint?: number; sequenceNumber?: number } = {},
): SpiffeBundle {
  const keys = new Map<string, KeyObject>();
  const jwtMetadata = new Map<string, AuthorityMetadata>();
  jwt.forEach((a, i) => {
    if (keys.has(a.keyId)) {
      throw new InvalidArgumentError(
        `failed to convert JWT authority: jwt_authorities[${i}]: duplicate key ID "${a.keyId}"`,
        'ERR_JWT_AUTHORITY',
      );
    }
    keys.set(a.keyId, a.key);
    jwtMetadata.set(a.keyId, a.metadata);
  });
  return new SpiffeBundle({
    trustDomain,
    x509Authorities: x509.map((a) => a.certificate),
    x509AuthorityMetadata: x509.map((a) => a.metadata),
    jwtAuthorities: keys,
    jwtAuthorityMetadata: jwtMetadata,
    refreshHint: numbers.refreshHint || undefined,
    sequenceNumber: numbers.sequenceNumber || undefined,
  });
}

/**
 * Validates and converts a whole wire bundle. The trust domain is the message's (bare or as `spiffe://td`)
 * unless `trustDomain` is given (a federated bundle fetched by name).
 * @throws InvalidArgumentError naming the first bad field.
 */
export function bundleFromWire(wire: WireBundle, trustDomain?: TrustDomain): SpiffeBundle {
  let td = trustDomain;
  if (td === undefined) {
    try {
      td = TrustDomain.parse(wire.trust_domain);
    } catch (err) {
      throw new InvalidArgumentError(
        `failed to convert bundle: trust_domain: ${(err as Error).message}`,
        'ERR_BUNDLE',
      );
    }
  }
  for (const [field, value] of [
    ['refresh_hint', wire.refresh_hint],
    ['sequence_number', wire.sequence_number],
  ] as const) {
    if (!Number.isSafeInteger(Number(value)) || Number(value) < 0) {
      throw new InvalidArgumentError(
        `failed to convert bundle: ${field}: must be a non-negative integer`,
        'ERR_BUNDLE',
      );
    }
  }
  return bundleFromAuthorities(
    td,
    wire.x509_authorities.map((a, i) => x509AuthorityFromWire(a, `x509_authorities[${i}]`)),
    wire.jwt_authorities.map((a, i) => jwtAuthorityFromWire(a, `jwt_authorities[${i}]`)),
    { refreshHint: Number(wire.refresh_hint), sequenceNumber: Number(wire.sequence_number) },
  );
}

/** A bundle on the wire with only the masked fields (`trust_domain` always); no mask = every field. */
export function bundleToWire(bundle: SpiffeBundle, mask?: WireBundleMask | null): Partial<WireBundle> {
  const all = mask === null || mask === undefined;
  const out: Partial<WireBundle> = { trust_domain: bundle.trustDomain.name };
  if (all || mask.x509_authorities) {
    out.x509_authorities = bundle.x509Authorities.map((cert, i) => ({
      asn1: cert.raw,
      tainted: bundle.x509AuthorityMetadata[i]?.tainted ?? false,
    }));
  }
  if (all || mask.jwt_authorities) out.jwt_authorities = jwtKeysToWire(bundle);
  if (all || mask.refresh_hint) out.refresh_hint = bundle.refreshHint ?? 0;
  if (all || mask.sequence_number) out.sequence_number = bundle.sequenceNumber ?? 0;
  return out;
}

/** Every field of a bundle on the wire. */
export function completeBundleToWire(bundle: SpiffeBundle): WireBundle {
  return bundleToWire(bundle) as WireBundle;
}

/** The bundle's JWT authorities as wire keys (SubjectPublicKeyInfo DER, exported once per key). */
export function jwtKeysToWire(bundle: SpiffeBundle): WireJwtKey[] {
  return [...bundle.jwtAuthorities].map(([keyId, key]) => {
    let spki = spkiOf.get(key);
    if (spki === undefined) {
      spki = key.export({ format: 'der', type: 'spki' });
      spkiOf.set(key, spki);
    }
    const meta = bundle.jwtAuthorityMetadata.get(keyId);
    return {
      public_key: spki,
      key_id: keyId,
      expires_at: meta?.expiresAt ?? 0,
      tainted: meta?.tainted ?? false,
    };
  });
}
