/**
 * A loopback TCP proxy that can break the connection between two real processes on purpose: pass traffic,
 * delay it, drop it silently (a partition: connections stay open, bytes vanish, new connections hang), or reset
 * every connection (RST) and refuse new ones. Used by the reliability suites between an agent and its server.
 */
import * as net from 'node:net';

/** How the proxy treats traffic. */
export type FaultMode = 'pass' | 'drop' | 'reset';

/** Options of {@link FaultProxy.start}. */
export interface FaultProxyOptions {
  /** Where traffic goes (`127.0.0.1:<targetPort>`). */
  readonly targetPort: number;
  readonly targetHost?: string;
  /** Port to listen on (0 = any free port). */
  readonly listenPort?: number;
}

interface Pair {
  readonly client: net.Socket;
  readonly upstream: net.Socket;
}

/** A running proxy; see the module comment. */
export class FaultProxy {
  private mode: FaultMode = 'pass';
  private delayMs = 0;
  private readonly pairs = new Set<Pair>();
  /** Connections accepted so far. */
  accepted = 0;
  /** Bytes discarded in `drop` mode so far. */
  droppedBytes = 0;

  private constructor(
    private readonly server: net.Server,
    private readonly options: FaultProxyOptions,
  ) {}

  /** Starts listening on 127.0.0.1. */
  static async start(options: FaultProxyOptions): Promise<FaultProxy> {
    const server = net.createServer();
    const proxy = new FaultProxy(server, options);
    server.on('connection', (socket) => proxy.accept(socket));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.listenPort ?? 0, '127.0.0.1', () => resolve());
    });
    return proxy;
  }

  /** The port clients connect to. */
  get port(): number {
    return (this.server.address() as net.AddressInfo).port;
  }

  /** Current mode. */
  get current(): FaultMode {
    return this.mode;
  }

  /** Open client connections. */
  get connections(): number {
    return this.pairs.size;
  }

  /** Delays every chunk by `ms` in both directions from now on (0 = none). */
  setDelay(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`delay must be ≥ 0 ms, got ${ms}`);
    this.delayMs = ms;
  }

  /**
   * Switches the mode. `reset` destroys every open connection with a TCP RST at once and resets new ones;
   * `drop` keeps connections open but discards their bytes; `pass` forwards again (connections dropped
   * meanwhile stay broken, as after a real partition the peers' TLS state no longer matches).
   */
  setMode(mode: FaultMode): void {
    this.mode = mode;
    if (mode === 'reset') for (const pair of [...this.pairs]) this.resetPair(pair);
  }

  /** Stops listening and destroys every connection. */
  async close(): Promise<void> {
    for (const pair of [...this.pairs]) this.resetPair(pair);
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: net.Socket): void {
    this.accepted += 1;
    if (this.mode === 'reset') {
      client.resetAndDestroy();
      return;
    }
    const upstream = net.connect(this.options.targetPort, this.options.targetHost ?? '127.0.0.1');
    const pair: Pair = { client, upstream };
    this.pairs.add(pair);
    this.pipe(client, upstream);
    this.pipe(upstream, client);
    const end = (): void => {
      this.pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    for (const socket of [client, upstream]) {
      socket.on('error', end);
      socket.on('close', end);
    }
  }

  /** Forwards `from` → `to` according to the mode at the time each chunk arrives. */
  private pipe(from: net.Socket, to: net.Socket): void {
    let releaseAt = 0; // chunks keep their order when the delay shrinks
    from.on('data', (chunk: Buffer) => {
      if (this.mode !== 'pass') {
        this.droppedBytes += chunk.length;
        return;
      }
      releaseAt = Math.max(releaseAt, Date.now() + this.delayMs);
      const wait = releaseAt - Date.now();
      if (wait <= 0) to.write(chunk);
      else setTimeout(() => to.destroyed || to.write(chunk), wait);
    });
  }

  private resetPair(pair: Pair): void {
    this.pairs.delete(pair);
    pair.client.resetAndDestroy();
    pair.upstream.resetAndDestroy();
  }
}
