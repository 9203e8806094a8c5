/**
 * The UDP sinks of `telemetry { Statsd = [...] DogStatsd = [...] }`, written with hot-shots in go-metrics'
 * formats so dashboards built on SPIRE keep working: names are the key parts joined by `.` (`:` and spaces
 * become `_`); counters are `|c`, gauges `|g` and samples (timings in milliseconds) `|ms`. Plain statsd has
 * no tags, so label values are appended to the name (`spire_server.rpc.….OK.myhost`); DogStatsd sends them
 * as `name:value` tags instead.
 */
import { StatsD } from 'hot-shots';
import type { Labels } from './registry';
import type { UdpAddress } from './udp-address';

/** Where {@link Metrics} sends each observation besides its Prometheus registry. */
export interface MetricSink {
  /** Adds `value` to the counter named by `parts` (metric prefix first). */
  incrCounter(parts: readonly string[], labels: Labels, value: number): void;
  /** Sets the gauge named by `parts`. */
  setGauge(parts: readonly string[], labels: Labels, value: number): void;
  /** Records one sample (a timing in milliseconds, or a count per run). */
  addSample(parts: readonly string[], labels: Labels, value: number): void;
  /** Flushes and closes the socket. */
  close(): Promise<void>;
}

/** go-metrics' sanitising of a flattened name or tag: `:` and spaces become `_`. */
function sanitize(text: string): string {
  return text.replace(/[: ]/g, '_');
}

function statsdClient(address: UdpAddress, onError: (err: Error) => void): StatsD {
  return new StatsD({ host: address.host, port: address.port, protocol: 'udp', errorHandler: onError });
}

function closeClient(client: StatsD): Promise<void> {
  return new Promise((resolve) => client.close(() => resolve()));
}

/** A plain statsd sink: label values become trailing name parts. */
export class StatsdSink implements MetricSink {
  private readonly client: StatsD;

  constructor(address: UdpAddress, onError: (err: Error) => void = () => undefined) {
    this.client = statsdClient(address, onError);
  }

  private name(parts: readonly string[], labels: Labels): string {
    return sanitize([...parts, ...Object.values(labels)].join('.'));
  }

  incrCounter(parts: readonly string[], labels: Labels, value: number): void {
    this.client.increment(this.name(parts, labels), value);
  }

  setGauge(parts: readonly string[], labels: Labels, value: number): void {
    this.client.gauge(this.name(parts, labels), value);
  }

  addSample(parts: readonly string[], labels: Labels, value: number): void {
    this.client.timing(this.name(parts, labels), value);
  }

  close(): Promise<void> {
    return closeClient(this.client);
  }
}

/** A DogStatsD sink: labels become `name:value` tags. */
export class DogStatsdSink implements MetricSink {
  private readonly client: StatsD;

  constructor(address: UdpAddress, onError: (err: Error) => void = () => undefined) {
    this.client = statsdClient(address, onError);
  }

  private static tags(labels: Labels): string[] {
    return Object.entries(labels).map(([name, value]) =>
      value === '' ? sanitize(name) : `${sanitize(name)}:${sanitize(value)}`,
    );
  }

  incrCounter(parts: readonly string[], labels: Labels, value: number): void {
    this.client.increment(sanitize(parts.join('.')), value, DogStatsdSink.tags(labels));
  }

  setGauge(parts: readonly string[], labels: Labels, value: number): void {
    this.client.gauge(sanitize(parts.join('.')), value, DogStatsdSink.tags(labels));
  }

  addSample(parts: readonly string[], labels: Labels, value: number): void {
    this.client.timing(sanitize(parts.join('.')), value, DogStatsdSink.tags(labels));
  }

  close(): Promise<void> {
    return closeClient(this.client);
  }
}
