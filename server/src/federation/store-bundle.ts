/**
 * Storing a fetched federated bundle: only when it differs from the stored one and its sequence number is not
 * older (SPIFFE Federation: `spiffe_sequence` orders versions; a bundle without one is simply the latest).
 */
import { FailedPreconditionError } from '@lanyard/base';
import type { SpiffeBundle } from '@lanyard/spiffe';
import type { DataStore } from '../datastore/types';

/** Same authorities, sequence number and refresh hint; authority metadata (taint) is the server's own. */
function sameBundle(a: SpiffeBundle, b: SpiffeBundle): boolean {
  return (
    a.sequenceNumber === b.sequenceNumber &&
    a.refreshHint === b.refreshHint &&
    a.toX509Bundle().equals(b.toX509Bundle()) &&
    a.toJwtBundle().equals(b.toJwtBundle())
  );
}

/**
 * Writes `fetched` unless it equals the stored bundle. Returns true when something was written.
 * @throws FailedPreconditionError when its sequence number is lower than the stored one.
 */
export async function storeFetchedBundle(datastore: DataStore, fetched: SpiffeBundle): Promise<boolean> {
  const stored = await datastore.getBundle(fetched.trustDomain.name);
  if (stored !== undefined && sameBundle(stored, fetched)) return false;
  const storedSequence = stored?.sequenceNumber ?? 0;
  if (
    stored !== undefined &&
    fetched.sequenceNumber !== undefined &&
    fetched.sequenceNumber < storedSequence
  ) {
    throw new FailedPreconditionError(
      `fetched bundle has sequence number ${fetched.sequenceNumber}, older than the stored ${storedSequence}; the stored bundle is kept`,
      'ERR_FEDERATED_BUNDLE_OLDER',
    );
  }
  await datastore.setBundle(fetched);
  return true;
}
