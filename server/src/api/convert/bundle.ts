import type { WireBundleMask } from '@lanyard/common';
import type { BundleMask } from '../../datastore/types';

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
