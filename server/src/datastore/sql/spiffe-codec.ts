/**
 * The datastore edge of the one bundle model: stored bundles to and from `@lanyard/spiffe`'s
 * {@link SpiffeBundle}, the type the store's callers pass. Tainted flags and JWT key expiry travel as the
 * bundle's authority metadata. Certificates and keys are parsed once and reused while the stored bytes stay
 * the same, so re-reading an unchanged bundle parses nothing.
 */
import { InternalError } from '@lanyard/base';
import { type AuthorityMetadata, ParsedAuthorities, SpiffeBundle, TrustDomain } from '@lanyard/spiffe';
import type { StoredBundle } from './bundle-codec';

/** Parsed authorities shared by every store of the process (bounded). */
const parsed = new ParsedAuthorities();

function corrupt(trustDomain: string, what: string, cause: unknown): InternalError {
  return new InternalError(
    `bundle "${trustDomain}" is corrupt in the datastore: ${what}`,
    'ERR_CORRUPT_BUNDLE',
    {
      cause,
    },
  );
}

/**
 * A stored bundle as a {@link SpiffeBundle}; a sequence number or refresh hint of 0 (unset) is left unset.
 * @throws InternalError (`ERR_CORRUPT_BUNDLE`) when a stored certificate, key or name does not parse.
 */
export function spiffeFromStored(stored: StoredBundle): SpiffeBundle {
  const td = stored.trustDomain;
  try {
    return new SpiffeBundle({
      trustDomain: TrustDomain.parse(td),
      x509Authorities: stored.x509Authorities.map((a, i) => {
        try {
          return parsed.certificate(a.asn1);
        } catch (err) {
          throw corrupt(td, `x509 authority ${i} is not a certificate`, err);
        }
      }),
      x509AuthorityMetadata: stored.x509Authorities.map((a) => ({ tainted: a.tainted === true })),
      jwtAuthorities: stored.jwtAuthorities.map((a) => {
        try {
          return [a.keyId, parsed.publicKey(a.publicKey)];
        } catch (err) {
          throw corrupt(td, `jwt authority "${a.keyId}" is not a public key`, err);
        }
      }),
      jwtAuthorityMetadata: stored.jwtAuthorities.map((a): [string, AuthorityMetadata] => [
        a.keyId,
        { tainted: a.tainted === true, expiresAt: a.expiresAt > 0 ? a.expiresAt : undefined },
      ]),
      sequenceNumber: stored.sequenceNumber > 0 ? stored.sequenceNumber : undefined,
      refreshHint: stored.refreshHint > 0 ? stored.refreshHint : undefined,
    });
  } catch (err) {
    if (err instanceof InternalError) throw err;
    throw corrupt(td, (err as Error).message, err);
  }
}

/** A {@link SpiffeBundle} as stored: metadata kept, unset numbers and expiry as 0. */
export function storedFromSpiffe(bundle: SpiffeBundle): StoredBundle {
  return {
    trustDomain: bundle.trustDomain.name,
    x509Authorities: bundle.x509Authorities.map((cert, i) => ({
      asn1: Buffer.from(cert.raw),
      ...(bundle.x509AuthorityMetadata[i]?.tainted ? { tainted: true } : {}),
    })),
    jwtAuthorities: [...bundle.jwtAuthorities].map(([keyId, key]) => {
      const meta = bundle.jwtAuthorityMetadata.get(keyId);
      return {
        keyId,
        publicKey: key.export({ format: 'der', type: 'spki' }),
        expiresAt: meta?.expiresAt ?? 0,
        ...(meta?.tainted ? { tainted: true } : {}),
      };
    }),
    refreshHint: bundle.refreshHint ?? 0,
    sequenceNumber: bundle.sequenceNumber ?? 0,
  };
}
