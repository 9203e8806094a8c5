/** A self-rescheduling refresh: run, wait until the time the result asks for, retry failures with backoff. */
import { Backoff } from '@lanyard/base';

/** What a {@link Refresher} runs: resolves to the delay in ms until the next run. */
export type RefreshTask = () => Promise<number>;

/**
 * Runs `task` when its last result says, retrying failures with exponential backoff (1 s … 30 s, jittered)
 * and reporting them to `onError`. Timers are `unref`ed: a refresher never keeps a process alive.
 */
export class Refresher {
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly backoff = new Backoff({ initialDelayMs: 1000, maxDelayMs: 30_000, jitter: 0.2 });

  constructor(
    private readonly task: RefreshTask,
    private readonly onError: (err: unknown) => void,
  ) {}

  /** Schedules the next run in `delayMs`. */
  schedule(delayMs: number): void {
    if (this.stopped) return;
    clearTimeout(this.timer);
    // setTimeout fires at once for delays above 2^31-1 ms; no SVID lives that long between refreshes.
    this.timer = setTimeout(() => void this.run(), Math.min(Math.max(0, delayMs), 2 ** 31 - 1));
    this.timer.unref();
  }

  /** Cancels the pending run. Idempotent. */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private async run(): Promise<void> {
    try {
      const next = await this.task();
      this.backoff.reset();
      this.schedule(next);
    } catch (err) {
      if (this.stopped) return;
      this.onError(err);
      this.schedule(this.backoff.next());
    }
  }
}
