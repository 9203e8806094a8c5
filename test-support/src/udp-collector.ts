/** A UDP socket on loopback that collects statsd lines, for testing the Statsd and DogStatsd sinks. */
import * as dgram from 'node:dgram';

/** Lines received so far and a way to wait for more. */
export interface UdpCollector {
  /** The port it listens on (127.0.0.1). */
  readonly port: number;
  /** Every newline-separated line received, in arrival order. */
  readonly lines: string[];
  /** Resolves once `predicate(lines)` holds; rejects with the lines seen after `timeoutMs` (default 30 s). */
  waitFor(predicate: (lines: readonly string[]) => boolean, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

/** Starts a collector on an ephemeral 127.0.0.1 port. */
export async function startUdpCollector(): Promise<UdpCollector> {
  const socket = dgram.createSocket('udp4');
  const lines: string[] = [];
  const waiters = new Set<() => void>();
  socket.on('message', (msg) => {
    lines.push(...msg.toString().split('\n').filter(Boolean));
    for (const wake of waiters) wake();
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return {
    port: socket.address().port,
    lines,
    waitFor(predicate, timeoutMs = 30_000) {
      if (predicate(lines)) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`statsd lines did not match within ${timeoutMs} ms: ${JSON.stringify(lines)}`));
        }, timeoutMs);
        const check = () => {
          if (!predicate(lines)) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve();
        };
        waiters.add(check);
      });
    },
    close: () => new Promise((resolve) => socket.close(() => resolve())),
  };
}
