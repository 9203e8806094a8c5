/**
 * Keeps one {@link BundleTarget} up to date: writes on every trigger (start, bundle change, resync), one write at a
 * time, and after a failure retries on its own with exponential backoff until a write succeeds.
 */
import type { PluginLogger } from '@lanyard/attestor-core';
import { Backoff } from '@lanyard/base';
import type { SpiffeBundle } from '@lanyard/spiffe';
import type { BundleTarget } from './k8s-targets';

/** Retry delays after a failed write: 1 s doubling up to 1 min, ±10 %. */
const RETRY = { initialDelayMs: 1000, maxDelayMs: 60_000, jitter: 0.1 };

/** Runs the writes of one target. */
export class TargetRunner {
  private readonly backoff = new Backoff(RETRY);
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private failing = false;
  private stopped = false;

  constructor(
    readonly target: BundleTarget,
    private readonly plugin: string,
    private readonly currentBundle: () => Promise<SpiffeBundle | undefined>,
    private readonly logger: PluginLogger,
  ) {}

  /** Writes now, or right after the write in progress. */
  trigger(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    clearTimeout(this.timer);
    this.running = this.run().finally(() => {
      this.running = undefined;
      if (this.again) {
        this.again = false;
        this.trigger();
      }
    });
  }

  /** Resolves when no write is in progress (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  /** Stops retrying; a write in progress finishes. */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  /** True while the last write failed (a retry is scheduled). */
  get isFailing(): boolean {
    return this.failing;
  }

  private async run(): Promise<void> {
    const fields = { plugin_name: this.plugin, target: this.target.description };
    try {
      const bundle = await this.currentBundle();
      if (bundle === undefined) return;
      const changed = await this.target.write(bundle);
      if (changed) this.logger.info('Trust bundle written to Kubernetes', fields);
      else if (this.failing) this.logger.info('Trust bundle in Kubernetes is up to date again', fields);
      this.failing = false;
      this.backoff.reset();
    } catch (err) {
      const delay = this.backoff.next();
      this.logger.error('Failed to write the trust bundle to Kubernetes; retrying', {
        ...fields,
        error: (err as Error).message,
        retry_in_ms: delay,
      });
      this.failing = true;
      if (!this.stopped) {
        this.timer = setTimeout(() => this.trigger(), delay);
        this.timer.unref();
      }
    }
  }
}
