import { promises as fs } from 'node:fs';
import { maskTrailValue } from './mask';
import type { TrailEventInput, TrailRecorder } from './event';
import { rotateTrailFiles } from './trail-files';

/** Where and how the identity trail is written (`audit_trail {}`). */
export interface TrailWriterOptions {
  /** The live file; rotated copies are `path.1` (newest) … `path.<maxFiles>` (oldest). */
  readonly path: string;
  /** Rotate once the live file reaches this many bytes. */
  readonly maxSizeBytes: number;
  /** Rotated files kept (0 = the live file is truncated on rotation). */
  readonly maxFiles: number;
  /** Events waiting for the disk beyond this are dropped and counted; default 10000. */
  readonly maxQueue?: number;
  /** Called once per batch in which events were dropped or a write failed (the trail never throws). */
  readonly onProblem?: (message: string, fields: Record<string, unknown>) => void;
  /** Milliseconds clock; `Date.now` by default. */
  readonly now?: () => number;
}

/**
 * The append-only identity trail writer: events are queued (bounded), written as JSON lines in batches and
 * each batch is fsync'd before the next one starts; the file is rotated by size. Secret-named fields and join
 * tokens inside agent IDs are masked before a line is written ({@link maskTrailValue}).
 */
export class TrailWriter implements TrailRecorder {
  private queue: string[] = [];
  private dropped = 0;
  private size = -1;
  private handle: fs.FileHandle | undefined;
  private flushing: Promise<void> | undefined;
  private closed = false;
  private readonly counters = { batches: 0, written: 0, dropped: 0 };

  constructor(private readonly options: TrailWriterOptions) {}

  /** Batches written (each one fsync'd), events written and events dropped since start. */
  get stats(): Readonly<{ batches: number; written: number; dropped: number }> {
    return { ...this.counters };
  }

  /** @inheritDoc */
  record(event: TrailEventInput): void {
    if (this.closed) return;
    if (this.queue.length >= (this.options.maxQueue ?? 10_000)) {
      this.dropped++;
      this.counters.dropped++;
      return;
    }
    const time = new Date((this.options.now ?? Date.now)()).toISOString();
    const line = JSON.stringify(maskTrailValue({ time, ...event }));
    this.queue.push(line);
    if (this.flushing === undefined) this.flushing = this.drain();
  }

  /** Resolves once every event recorded so far is on disk (written and fsync'd). */
  async flush(): Promise<void> {
    while (this.flushing !== undefined) await this.flushing;
  }

  /** Flushes and closes the file; later events are ignored. */
  async close(): Promise<void> {
    await this.flush();
    this.closed = true;
    await this.handle?.close();
    this.handle = undefined;
  }

  private async drain(): Promise<void> {
    // Let the current tick's events join this batch.
    await new Promise<void>((resolve) => setImmediate(resolve));
    try {
      while (this.queue.length > 0) await this.writeBatch();
    } finally {
      this.flushing = undefined;
    }
  }

  private async writeBatch(): Promise<void> {
    const batch = this.queue;
    this.queue = [];
    const dropped = this.dropped;
    this.dropped = 0;
    if (dropped > 0) this.problem('Audit trail queue full; events dropped', { dropped });
    try {
      const data = Buffer.from(`${batch.join('\n')}\n`);
      const handle = await this.open();
      await handle.write(data);
      await handle.sync();
      this.size += data.length;
      this.counters.batches++;
      this.counters.written += batch.length;
      if (this.size >= this.options.maxSizeBytes) await this.rotate();
    } catch (err) {
      this.problem('Failed to write audit trail', {
        error: (err as Error).message,
        lost: batch.length,
        path: this.options.path,
      });
      await this.handle?.close().catch(() => undefined);
      this.handle = undefined;
    }
  }

  private async open(): Promise<fs.FileHandle> {
    if (this.handle === undefined) {
      this.handle = await fs.open(this.options.path, 'a', 0o600);
      this.size = (await this.handle.stat()).size;
    }
    return this.handle;
  }

  private async rotate(): Promise<void> {
    await this.handle?.close();
    this.handle = undefined;
    await rotateTrailFiles(this.options.path, this.options.maxFiles);
  }

  private problem(message: string, fields: Record<string, unknown>): void {
    this.options.onProblem?.(message, fields);
  }
}
