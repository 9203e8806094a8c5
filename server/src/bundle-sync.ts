import type { PluginLogger } from '@lanyard/attestor-core';
import type { SpiffeBundle } from '@lanyard/spiffe';
import type { DataStore } from './datastore/types';

/**
 * Keeps our trust domain's bundle in the datastore in step with the local CA and serves the merged roots to
 * the TLS endpoint. Authorities are *appended* (never replaced), so several servers sharing one database —
 * each with its own CA under a shared upstream — publish into one bundle; the merged roots are re-read
 * every `pollIntervalMs` so agents of a sibling server are trusted here too.
 */
export class BundleSync {
  private roots: Buffer[] = [];
  private sequence = -1;
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
    const bundle = await this.datastore.getBundle(this.trustDomain);
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
