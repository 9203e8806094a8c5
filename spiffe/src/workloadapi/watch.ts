import { status, type ClientReadableStream, type StatusObject } from '@grpc/grpc-js';
import { type Backoff, type LanyardError } from '@lanyard/base';
import { WorkloadApiError } from '../errors/workload-api-error';
import { workloadApiError } from './grpc-error';

/** Receives the updates of a Workload API watch. */
export interface Watcher<T> {
  /** Called with every complete new state. */
  onUpdate(value: T): void;
  /**
   * Called when a message cannot be parsed (the stream is kept), when the stream breaks (the watch reconnects
   * after a backoff) and once with the fatal error that ends the watch (INVALID_ARGUMENT, as go-spiffe).
   */
  onError?(err: LanyardError): void;
}

/** A running watch. Stop it with {@link Watch.stop}; the client's `close()` stops all of its watches. */
export interface Watch {
  /** Cancels the stream and any pending reconnect; idempotent. */
  stop(): void;
  /** Resolves when the watch has ended, by {@link stop} or a fatal error. */
  readonly done: Promise<void>;
  /** The error that ended the watch, if it ended by itself. */
  readonly fatalError: LanyardError | undefined;
}

/**
 * Keeps one server stream open for as long as it is wanted: every message resets the backoff; a stream that
 * ends for any reason except INVALID_ARGUMENT (or our own cancel) is reopened after the next backoff delay.
 * One stream at a time and no reopen without a delay, so a flapping server never sees a burst of streams.
 */
export class StreamWatch<M> implements Watch {
  readonly done: Promise<void>;
  fatalError: LanyardError | undefined;
  private stream: ClientReadableStream<M> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private resolveDone!: () => void;

  constructor(
    private readonly method: string,
    private readonly open: () => ClientReadableStream<M>,
    private readonly onMessage: (message: M) => void,
    private readonly onError: (err: LanyardError) => void,
    private readonly backoff: Backoff,
    private readonly onEnded: (watch: StreamWatch<M>) => void = () => undefined,
  ) {
    this.done = new Promise((resolve) => (this.resolveDone = resolve));
  }

  /** Opens the first stream. */
  start(): this {
    this.connect();
    return this;
  }

  stop(): void {
    if (this.stopped) return;
    this.finish();
  }

  private connect(): void {
    if (this.stopped) return;
    const stream = this.open();
    this.stream = stream;
    stream.on('data', (message: M) => {
      if (this.stream !== stream) return;
      this.backoff.reset();
      try {
        this.onMessage(message);
      } catch (err) {
        this.report(workloadApiError(this.method, err));
      }
    });
    stream.on('error', () => undefined); // the 'status' event below carries the outcome
    stream.on('status', (result: StatusObject) => this.onStatus(stream, result));
  }

  private onStatus(stream: ClientReadableStream<M>, result: StatusObject): void {
    if (this.stream !== stream || this.stopped) return;
    this.stream = undefined;
    const err =
      result.code === status.OK
        ? new WorkloadApiError(
            'ERR_WORKLOAD_STREAM_CLOSED',
            `workload api ${this.method}: stream closed by the server`,
          )
        : workloadApiError(this.method, { ...result, message: result.details });
    if (result.code === status.INVALID_ARGUMENT) {
      this.fatalError = err;
      this.report(err);
      this.finish();
      return;
    }
    this.report(err);
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.connect();
    }, this.backoff.next());
  }

  private report(err: LanyardError): void {
    try {
      this.onError(err);
    } catch {
      // a throwing error callback must not break the reconnect loop
    }
  }

  private finish(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const stream = this.stream;
    this.stream = undefined;
    stream?.cancel();
    this.onEnded(this);
    this.resolveDone();
  }
}
