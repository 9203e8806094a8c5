import { AlreadyExistsError } from '@lanyard/base';
import type { RegistrationEntry } from './model';

/**
 * Thrown by `createEntry` when an entry with the same parent ID, SPIFFE ID and selector set exists
 * (SPIRE's "similar entry already exists"); carries that entry so BatchCreateEntry can return it.
 */
export class SimilarEntryExistsError extends AlreadyExistsError {
  /** The entry that already exists. */
  readonly existing: RegistrationEntry;

  constructor(existing: RegistrationEntry) {
    super('similar entry already exists', 'ERR_SIMILAR_ENTRY_EXISTS');
    this.existing = existing;
  }
}
