import type { PluginLogger } from '@lanyard/attestor-core';
import type { SpiffeBundle } from '@lanyard/spiffe';
import type { DataStore } from './datastore/types';

/** How old a read of the stored bundle may be when served to GetBundle (SPIRE's datastore cache keeps it 1 s). */
export const OWN_BUNDLE_MAX_AGE_MS = 1000;

/**
 * Keeps our trust domain's bundle in the datastore in step with the local CA and serves the merged roots to
 * the TLS endpoint. Authorities are *appended* (never replaced), so several servers sharing one database —
 * each with its own CA under a shared upstream — publish into one bundle; the merged roots are re-read
 * every `pollIntervalMs` so agents of a sibling server are trusted here too.
 */
export class BundleSync {
  private roots: Buffer[] = [];
  private sequence = -1;
  private stored: SpiffeBundle | undefined;
  /** performance.now() when the read whose result is `stored` started. */
  private storedReadAt = -Infinity;
  private readsStarted = 0;
  private readApplied = 0;
  private latestRead: Promise<SpiffeBundle | undefined> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private queue: Promise<void> = Promise.resolve();
  private readonly listeners: Array<() => void> = [];

  constructor(
    private readonly datastore: DataStore,
    private readonly trustDomain: string,
    private readonly localRoots: () => Buffer[],
    private readonly logger: PluginLogger,
  ) {}

  /** Publishes the CA's authorities (serialized with other publishes) and re-reads the stored bundle. */
  publish(contents: SpiffeBundle): Promise<void> {
    const run = this.queue.then(async () => {
      await this.datastore.appendBundle(contents);
      await this.reload();
    });
    this.queue = run.catch((err: unknown) =>
      this.logger.error('Failed to publish the trust bundle', { error: (err as Error).message }),
    );
    return run;
  }

  /** Re-reads the stored bundle; notifies listeners when its sequence number moved. */
  async reload(): Promise<void> {
    await this.read();
  }

  /**
   * Our trust domain's stored bundle, from a read started at most `maxAgeMs` ago; a read still in flight is
   * waited for, so a change this server made (its reload starts after the write) is never answered with the
   * bundle from before it. Bundles written by sibling servers show within `maxAgeMs` or the next poll.
   */
  current(maxAgeMs = OWN_BUNDLE_MAX_AGE_MS): Promise<SpiffeBundle | undefined> {
    if (this.latestRead !== undefined) return this.latestRead;
    if (performance.now() - this.storedReadAt <= maxAgeMs) return Promise.resolve(this.stored);
    return this.read();
  }

  /** Starts a read of the stored bundle; an older read finishing later does not overwrite a newer one. */
  private read(): Promise<SpiffeBundle | undefined> {
    const id = ++this.readsStarted;
    const startedAt = performance.now();
    const run = this.datastore.getBundle(this.trustDomain).then(
      (bundle) => {
        if (this.latestRead === run) this.latestRead = undefined;
        if (id > this.readApplied) this.apply(id, startedAt, bundle);
        return bundle;
      },
      (err: unknown) => {
        if (this.latestRead === run) this.latestRead = undefined;
        throw err;
      },
    );
    this.latestRead = run;
    return run;
  }

  private apply(id: number, startedAt: number, bundle: SpiffeBundle | undefined): void {
    this.readApplied = id;
    this.stored = bundle;
    this.storedReadAt = startedAt;
    const sequence = bundle?.sequenceNumber ?? 0;
    if (bundle === undefined || sequence === this.sequence) return;
    this.sequence = sequence;
    this.roots = bundle.x509Authorities.map((cert) => cert.raw);
    for (const listener of this.listeners) listener();
  }

  /** Roots client certificates may chain to: the stored (merged) bundle plus our CA's current authorities. */
  trustedRoots(): Buffer[] {
    const seen = new Set<string>();
    return [...this.roots, ...this.localRoots()].filter((der) => {
      const key = der.toString('base64');
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
  }

  /** Calls `listener` whenever the stored bundle changed. */
  onChange(listener: () => void): void {
    this.listeners.push(listener);
  }

  /** Polls the stored bundle every `intervalMs`. */
  start(intervalMs: number): void {
    this.timer = setInterval(() => {
      this.reload().catch((err: unknown) =>
        this.logger.warn('Failed to reload the trust bundle', { error: (err as Error).message }),
      );
    }, intervalMs);
    this.timer.unref();
  }

  /** Stops polling. */
  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }
}
