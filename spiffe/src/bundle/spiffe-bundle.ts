import { KeyObject, X509Certificate } from 'node:crypto';
import type { TrustDomain } from '../id';
import { JwtBundle } from './jwt-bundle';
import { parseJwkSet } from './jwks';
import type { JwtBundleSource, X509BundleSource } from './source';
import {
  USE_JWT_SVID,
  USE_X509_SVID,
  readJwtEntry,
  readUint,
  readX509Entry,
  writeJwtEntry,
  writeX509Entry,
} from './spiffe-bundle-doc';
import { X509Bundle } from './x509-bundle';
import { BundleError } from '../errors/bundle-error';
import { type AuthorityMetadata, PLAIN_AUTHORITY, checkedMetadata, sameMetadata } from './authority-metadata';

/** The parts of a {@link SpiffeBundle}. */
export interface SpiffeBundleInit {
  readonly trustDomain: TrustDomain;
  readonly x509Authorities?: readonly X509Certificate[];
  readonly jwtAuthorities?: ReadonlyMap<string, KeyObject> | Iterable<[string, KeyObject]>;
  /** `spiffe_sequence`: increases whenever the contents change. */
  readonly sequenceNumber?: number;
  /** `spiffe_refresh_hint` in seconds: how often consumers should re-fetch. */
  readonly refreshHint?: number;
  /** Metadata of the X.509 authorities, by index in `x509Authorities`; missing ones are untainted. */
  readonly x509AuthorityMetadata?: readonly (AuthorityMetadata | undefined)[];
  /** Metadata of the JWT authorities by key ID; missing ones are untainted and do not expire. */
  readonly jwtAuthorityMetadata?:
    ReadonlyMap<string, AuthorityMetadata> | Iterable<[string, AuthorityMetadata]>;
}

/**
 * A trust domain's full SPIFFE bundle (SPIFFE.md §4): X.509 and JWT authorities plus sequence number and
 * refresh hint. Parses and writes the SPIFFE bundle document (a JWK Set with `x509-svid`/`jwt-svid` entries).
 * A server also keeps per-authority {@link AuthorityMetadata} (tainted, JWT key expiry) in it; the document
 * never carries that, so parsed bundles have plain authorities.
 *
 * @example
 * ```ts
 * const bundle = SpiffeBundle.parse(TrustDomain.parse('example.org'), json);
 * bundle.toX509Bundle().x509Authorities;
 * const doc = bundle.marshal(); // emit to a federation endpoint
 * ```
 */
export class SpiffeBundle implements X509BundleSource, JwtBundleSource {
  readonly trustDomain: TrustDomain;
  readonly x509Authorities: readonly X509Certificate[];
  readonly jwtAuthorities: ReadonlyMap<string, KeyObject>;
  readonly sequenceNumber?: number;
  readonly refreshHint?: number;
  /** One entry per X.509 authority, same order. */
  readonly x509AuthorityMetadata: readonly AuthorityMetadata[];
  /** One entry per JWT authority key ID. */
  readonly jwtAuthorityMetadata: ReadonlyMap<string, AuthorityMetadata>;
  private readonly x509: X509Bundle;
  private readonly jwt: JwtBundle;

  constructor(init: SpiffeBundleInit) {
    this.trustDomain = init.trustDomain;
    this.x509 = new X509Bundle(init.trustDomain, init.x509Authorities ?? []);
    this.jwt = new JwtBundle(init.trustDomain, init.jwtAuthorities ?? []);
    this.x509Authorities = this.x509.x509Authorities;
    this.jwtAuthorities = this.jwt.jwtAuthorities;
    for (const [name, v] of [
      ['sequenceNumber', init.sequenceNumber],
      ['refreshHint', init.refreshHint],
    ] as const) {
      if (v !== undefined && (!Number.isSafeInteger(v) || v < 0)) {
        throw new BundleError(
          'ERR_SPIFFE_BUNDLE_MALFORMED',
          `spiffe bundle: ${name} must be a non-negative integer`,
        );
      }
    }
    this.sequenceNumber = init.sequenceNumber;
    this.refreshHint = init.refreshHint;
    this.x509AuthorityMetadata = x509Metadata(this.x509Authorities.length, init.x509AuthorityMetadata ?? []);
    this.jwtAuthorityMetadata = jwtMetadata(this.jwtAuthorities, init.jwtAuthorityMetadata ?? []);
  }

  /**
   * Parses a SPIFFE bundle document. As strict as go-spiffe: `keys` must be present, every `x509-svid` entry
   * needs exactly one `x5c` certificate matching its key parameters, every `jwt-svid` entry a unique `kid`.
   * Entries with a missing or unknown `use` are ignored.
   * @throws BundleError naming the key index and field.
   */
  static parse(trustDomain: TrustDomain, input: string | Uint8Array): SpiffeBundle {
    const what = `spiffe bundle for "${trustDomain.name}"`;
    const doc = parseJwkSet(input, what);
    const x509Authorities: X509Certificate[] = [];
    const jwtAuthorities = new Map<string, KeyObject>();
    doc.keys.forEach((jwk, i) => {
      const where = `${what}: keys[${i}]`;
      if (jwk.use === USE_X509_SVID) {
        x509Authorities.push(readX509Entry(jwk, where));
      } else if (jwk.use === USE_JWT_SVID) {
        const [kid, key] = readJwtEntry(jwk, where);
        if (jwtAuthorities.has(kid)) {
          throw new BundleError(
            'ERR_SPIFFE_BUNDLE_MALFORMED',
            `${where}: duplicate "kid" ${JSON.stringify(kid)}`,
          );
        }
        jwtAuthorities.set(kid, key);
      }
    });
    return new SpiffeBundle({
      trustDomain,
      x509Authorities,
      jwtAuthorities,
      sequenceNumber: readUint(doc, 'spiffe_sequence', what),
      refreshHint: readUint(doc, 'spiffe_refresh_hint', what),
    });
  }

  /** Combines an X.509 and/or a JWT bundle of the same trust domain. */
  static fromBundles(parts: {
    x509?: X509Bundle;
    jwt?: JwtBundle;
    sequenceNumber?: number;
    refreshHint?: number;
  }): SpiffeBundle {
    const trustDomain = parts.x509?.trustDomain ?? parts.jwt?.trustDomain;
    if (!trustDomain)
      throw new BundleError('ERR_BUNDLE_INVALID', 'spiffe bundle: needs an x509 or a jwt bundle');
    if (parts.x509 && parts.jwt && !parts.x509.trustDomain.equals(parts.jwt.trustDomain)) {
      throw new BundleError(
        'ERR_BUNDLE_INVALID',
        'spiffe bundle: x509 and jwt bundles belong to different trust domains',
      );
    }
    return new SpiffeBundle({
      trustDomain,
      x509Authorities: parts.x509?.x509Authorities,
      jwtAuthorities: parts.jwt?.jwtAuthorities,
      sequenceNumber: parts.sequenceNumber,
      refreshHint: parts.refreshHint,
    });
  }

  /** The X.509 authorities as PEM `CERTIFICATE` blocks (empty string if there are none). */
  toPem(): string {
    return this.x509.toPem();
  }

  /**
   * Writes the SPIFFE bundle document: `spiffe_sequence` and `spiffe_refresh_hint` when set, then `keys`
   * (always an array) with one `x509-svid` entry per CA certificate (no `kid`, one `x5c`) and one `jwt-svid`
   * entry per signing key (with `kid`).
   * @throws BundleError for keys no SPIFFE consumer accepts (unsupported curve, Ed25519 JWT key).
   */
  marshal(): string {
    const doc: Record<string, unknown> = {};
    if (this.sequenceNumber !== undefined) doc.spiffe_sequence = this.sequenceNumber;
    if (this.refreshHint !== undefined) doc.spiffe_refresh_hint = this.refreshHint;
    doc.keys = [
      ...this.x509Authorities.map((cert, i) => writeX509Entry(cert, i)),
      ...[...this.jwtAuthorities].map(([kid, key]) => writeJwtEntry(kid, key)),
    ];
    return JSON.stringify(doc);
  }

  /** The X.509 part as an {@link X509Bundle}. */
  toX509Bundle(): X509Bundle {
    return this.x509;
  }

  /** The JWT part as a {@link JwtBundle}. */
  toJwtBundle(): JwtBundle {
    return this.jwt;
  }

  /**
   * True if both bundles have the same trust domain, X.509 authorities (same DER, same order), JWT authorities
   * (same kid → key pairs), sequence number, refresh hint and authority metadata.
   */
  equals(other: SpiffeBundle): boolean {
    return (
      this.sequenceNumber === other.sequenceNumber &&
      this.refreshHint === other.refreshHint &&
      this.x509.equals(other.x509) &&
      this.jwt.equals(other.jwt) &&
      this.x509AuthorityMetadata.every((m, i) => sameMetadata(m, other.x509AuthorityMetadata[i])) &&
      [...this.jwtAuthorityMetadata].every(([kid, m]) =>
        sameMetadata(m, other.jwtAuthorityMetadata.get(kid) ?? PLAIN_AUTHORITY),
      )
    );
  }

  /** {@link X509BundleSource} for this bundle's own trust domain. */
  getX509BundleForTrustDomain(trustDomain: TrustDomain): X509Bundle {
    return this.x509.getX509BundleForTrustDomain(trustDomain);
  }

  /** {@link JwtBundleSource} for this bundle's own trust domain. */
  getJwtBundleForTrustDomain(trustDomain: TrustDomain): JwtBundle {
    return this.jwt.getJwtBundleForTrustDomain(trustDomain);
  }
}

/** The metadata of `count` X.509 authorities: the given entries, checked, then plain ones. */
function x509Metadata(
  count: number,
  given: readonly (AuthorityMetadata | undefined)[],
): readonly AuthorityMetadata[] {
  if (given.length > count) {
    throw new BundleError(
      'ERR_BUNDLE_INVALID',
      `spiffe bundle: metadata for ${given.length} x509 authorities, ${count} present`,
    );
  }
  const out: AuthorityMetadata[] = [];
  for (let i = 0; i < count; i++) {
    const meta = given[i];
    out.push(
      meta === undefined
        ? PLAIN_AUTHORITY
        : checkedMetadata(meta, `spiffe bundle: x509 authority ${i}`, false),
    );
  }
  return Object.freeze(out);
}

/** The metadata of every JWT authority: the given entries, checked, else plain. */
function jwtMetadata(
  keys: ReadonlyMap<string, KeyObject>,
  given: ReadonlyMap<string, AuthorityMetadata> | Iterable<[string, AuthorityMetadata]>,
): ReadonlyMap<string, AuthorityMetadata> {
  const byKid = new Map(given);
  for (const kid of byKid.keys()) {
    if (!keys.has(kid))
      throw new BundleError(
        'ERR_BUNDLE_INVALID',
        `spiffe bundle: metadata for unknown jwt authority "${kid}"`,
      );
  }
  const out = new Map<string, AuthorityMetadata>();
  for (const kid of keys.keys()) {
    const meta = byKid.get(kid);
    out.set(
      kid,
      meta === undefined
        ? PLAIN_AUTHORITY
        : checkedMetadata(meta, `spiffe bundle: jwt authority "${kid}"`, true),
    );
  }
  return out;
}
