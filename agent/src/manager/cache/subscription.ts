import type { Selector } from '@lanyard/attestor-core';
import { selectorKeys } from './entry-index';
import type { WorkloadUpdate } from './types';

/** Called with the caller's complete current view after the cache changed (never a delta). */
export type UpdateListener = (update: WorkloadUpdate) => void;

/** A live view of the cache for one selector set; see {@link IdentityCache.subscribe}. */
export interface Subscription {
  /** The caller's selectors as `type:value` strings. */
  readonly selectorKeys: ReadonlySet<string>;
  /** The current view, computed now. */
  current(): WorkloadUpdate;
  /** Stops notifications and releases the entries this subscription kept pinned in the SVID cache. */
  unsubscribe(): void;
}

/** Internal record of one subscriber. */
export class SubscriptionRecord implements Subscription {
  readonly selectorKeys: ReadonlySet<string>;
  /** Entry IDs matched at the last computation; pins their SVIDs against LRU eviction. */
  matchedEntryIds: ReadonlySet<string> = new Set();
  active = true;

  constructor(
    selectors: readonly Selector[],
    readonly listener: UpdateListener,
    private readonly compute: (record: SubscriptionRecord) => WorkloadUpdate,
    private readonly release: (record: SubscriptionRecord) => void,
  ) {
    this.selectorKeys = selectorKeys(selectors);
  }

  current(): WorkloadUpdate {
    return this.compute(this);
  }

  unsubscribe(): void {
    if (!this.active) return;
    this.active = false;
    this.release(this);
  }
}
