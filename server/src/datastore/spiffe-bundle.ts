/**
 * The datastore edge of the one bundle model: stored {@link Bundle} rows to and from `@lanyard/spiffe`'s
 * {@link SpiffeBundle}, the type server modules pass around. Row-only details (tainted flags, JWT key expiry)
 * do not exist in a SPIFFE bundle: they are dropped on the way out and default (untainted, no expiry) on the
 * way in.
 */
import { X509Certificate, createPublicKey, type KeyObject } from 'node:crypto';
import { InvalidArgumentError } from '@lanyard/base';
import { SpiffeBundle, TrustDomain } from '@lanyard/spiffe';
import type { Bundle } from './model';

/**
 * A stored bundle as a {@link SpiffeBundle}. A sequence number or refresh hint of 0 (unset in the row) is
 * left unset.
 * @throws InvalidArgumentError when a stored certificate or key cannot be parsed.
 */
export function spiffeBundleFromStored(bundle: Bundle): SpiffeBundle {
  const trustDomain = TrustDomain.parse(bundle.trustDomain);
  const x509Authorities = bundle.x509Authorities.map((a, i) => {
    try {
      return new X509Certificate(a.asn1);
    } catch (err) {
      throw new InvalidArgumentError(
        `stored bundle "${bundle.trustDomain}": x509 authority ${i} is malformed`,
        undefined,
        {
          cause: err,
        },
      );
    }
  });
  const jwtAuthorities = new Map<string, KeyObject>();
  for (const a of bundle.jwtAuthorities) {
    try {
      jwtAuthorities.set(a.keyId, createPublicKey({ key: a.publicKey, format: 'der', type: 'spki' }));
    } catch (err) {
      throw new InvalidArgumentError(
        `stored bundle "${bundle.trustDomain}": jwt authority "${a.keyId}" is malformed`,
        undefined,
        {
          cause: err,
        },
      );
    }
  }
  return new SpiffeBundle({
    trustDomain,
    x509Authorities,
    jwtAuthorities,
    sequenceNumber: bundle.sequenceNumber > 0 ? bundle.sequenceNumber : undefined,
    refreshHint: bundle.refreshHint > 0 ? bundle.refreshHint : undefined,
  });
}

/** A {@link SpiffeBundle} as a bundle row: untainted authorities, JWT keys without expiry, unset numbers as 0. */
export function storedFromSpiffeBundle(bundle: SpiffeBundle): Bundle {
  return {
    trustDomain: bundle.trustDomain.name,
    x509Authorities: bundle.x509Authorities.map((cert) => ({ asn1: Buffer.from(cert.raw) })),
    jwtAuthorities: [...bundle.jwtAuthorities].map(([keyId, key]) => ({
      keyId,
      publicKey: key.export({ format: 'der', type: 'spki' }),
      expiresAt: 0,
    })),
    refreshHint: bundle.refreshHint ?? 0,
    sequenceNumber: bundle.sequenceNumber ?? 0,
  };
}
