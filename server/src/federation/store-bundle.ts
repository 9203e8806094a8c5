/**
 * Storing a fetched federated bundle: only when it differs from the stored one and its sequence number is not
 * older (SPIFFE Federation: `spiffe_sequence` orders versions; a bundle without one is simply the latest).
 */
import { FailedPreconditionError } from '@lanyard/base';
import type { SpiffeBundle } from '@lanyard/spiffe';
import type { Bundle } from '../datastore/model';
import { storedFromSpiffeBundle } from '../datastore/spiffe-bundle';
import type { DataStore } from '../datastore/types';

function sameBundle(a: Bundle, b: Bundle): boolean {
  const certs = (x: Bundle): string => x.x509Authorities.map((c) => c.asn1.toString('base64')).join(',');
  const keys = (x: Bundle): string =>
    x.jwtAuthorities.map((k) => `${k.keyId}=${k.publicKey.toString('base64')}`).join(',');
  return (
    a.sequenceNumber === b.sequenceNumber &&
    a.refreshHint === b.refreshHint &&
    certs(a) === certs(b) &&
    keys(a) === keys(b)
  );
}

/**
 * Writes `fetched` unless it equals the stored bundle. Returns true when something was written.
 * @throws FailedPreconditionError when its sequence number is lower than the stored one.
 */
export async function storeFetchedBundle(datastore: DataStore, fetched: SpiffeBundle): Promise<boolean> {
  const next = storedFromSpiffeBundle(fetched);
  const stored = await datastore.getBundle(next.trustDomain);
  if (stored !== undefined && sameBundle(stored, next)) return false;
  if (
    stored !== undefined &&
    fetched.sequenceNumber !== undefined &&
    fetched.sequenceNumber < stored.sequenceNumber
  ) {
    throw new FailedPreconditionError(
      `fetched bundle has sequence number ${fetched.sequenceNumber}, older than the stored ${stored.sequenceNumber}; the stored bundle is kept`,
      'ERR_FEDERATED_BUNDLE_OLDER',
    );
  }
  await datastore.setBundle(next);
  return true;
}
