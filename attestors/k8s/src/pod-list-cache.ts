import type { KubeletPod } from './pod';

/** One fetched pod list; `version` grows with every fetch. */
export interface PodListSnapshot {
  readonly version: number;
  readonly pods: readonly KubeletPod[];
  readonly fetchedAt: number;
}

/**
 * A short-lived cache of the kubelet pod list shared by concurrent attestations: a list younger than `ttlMs` is
 * reused unless the caller already saw it (then a newer one is fetched), and concurrent fetches are merged into one
 * request. Failures are not cached.
 */
export class PodListCache {
  private current?: PodListSnapshot;
  private inflight?: Promise<PodListSnapshot>;
  private version = 0;

  constructor(
    private readonly fetchPods: () => Promise<KubeletPod[]>,
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** A snapshot newer than `seenVersion` (0 = any), fetching when the cached one is stale or already seen. */
  next(seenVersion = 0): Promise<PodListSnapshot> {
    const current = this.current;
    if (current && current.version > seenVersion && this.now() - current.fetchedAt < this.ttlMs) {
      return Promise.resolve(current);
    }
    if (!this.inflight) {
      this.inflight = this.fetchPods()
        .then((pods) => {
          this.current = { version: ++this.version, pods, fetchedAt: this.now() };
          return this.current;
        })
        .finally(() => {
          this.inflight = undefined;
        });
    }
    return this.inflight;
  }
}
