/**
 * Where the provider's keys come from. Every source polls at its `poll_interval`, keeps the last good key set
 * when a poll fails, and remembers when the set last changed (for `Last-Modified`) and last succeeded (for
 * health).
 */
import type { KeyObject } from 'node:crypto';

/** JWT authorities by key ID, and when they last changed. */
export interface KeySet {
  readonly authorities: ReadonlyMap<string, KeyObject>;
  /** When the set of keys last changed (whole seconds, as HTTP dates are). */
  readonly modifiedAt: Date;
}

/** Fetches the current JWT authorities once. */
export type FetchAuthorities = () => Promise<ReadonlyMap<string, KeyObject>>;

/** Logs poll failures and recoveries (once per change of state). */
export interface SourceLogger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
}

function sameAuthorities(a: ReadonlyMap<string, KeyObject>, b: ReadonlyMap<string, KeyObject>): boolean {
  if (a.size !== b.size) return false;
  for (const [kid, key] of a) {
    const other = b.get(kid);
    if (!other || !other.equals(key)) return false;
  }
  return true;
}

/** A polling key source. */
export class PollingKeySource {
  private current: KeySet | undefined;
  private lastSuccessMs: number | undefined;
  private failing = false;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  /**
   * @param fetch reads the authorities once
   * @param pollIntervalMs how often to poll
   * @param describe names the source in logs, e.g. `server_api unix:///tmp/api.sock`
   */
  constructor(
    private readonly fetch: FetchAuthorities,
    readonly pollIntervalMs: number,
    private readonly describe: string,
    private readonly logger: SourceLogger,
    private readonly now: () => number = Date.now,
  ) {}

  /** Polls once now, then every `pollIntervalMs` until {@link stop}. */
  start(): void {
    const loop = async (): Promise<void> => {
      await this.poll();
      if (!this.stopped) this.timer = setTimeout(() => void loop(), this.pollIntervalMs).unref();
    };
    void loop();
  }

  /** The last good key set, undefined until one was fetched. */
  keySet(): KeySet | undefined {
    return this.current;
  }

  /** Milliseconds since the last successful poll; undefined before the first. */
  sinceLastSuccessMs(): number | undefined {
    return this.lastSuccessMs === undefined ? undefined : this.now() - this.lastSuccessMs;
  }

  /** Fetches once and keeps the result if it is new; a failure keeps the last good set. Never throws. */
  async poll(): Promise<void> {
    try {
      const authorities = await this.fetch();
      if (!this.current || !sameAuthorities(this.current.authorities, authorities)) {
        const modifiedAt = new Date(Math.floor(this.now() / 1000) * 1000);
        this.current = { authorities, modifiedAt };
        this.logger.info('Keys updated', { source: this.describe, keys: authorities.size });
      }
      this.lastSuccessMs = this.now();
      if (this.failing) this.logger.info('Key source reachable again', { source: this.describe });
      this.failing = false;
    } catch (err) {
      if (!this.failing) {
        this.logger.warn('Failed to fetch keys', { source: this.describe, error: (err as Error).message });
      }
      this.failing = true;
    }
  }

  /** Stops polling. */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }
}
