/**
 * SPIRE-shaped metrics: a prom-client registry whose names are the prefix plus key parts joined by `_`
 * (`spire_server_rpc_agent_v1_agent_attest_agent`), plus any statsd sinks. Counters and gauges carry no
 * suffix; timings are summaries named `<key>_elapsed_time` in milliseconds, as go-metrics' `MeasureSince`
 * records them. The `telemetry {}` filters apply before any sink sees an observation.
 */
import * as os from 'node:os';
import * as client from 'prom-client';
import { MetricFilter } from './filter';
import type { MetricSink } from './statsd-sink';

/** Label values of one observation. */
export type Labels = Record<string, string>;

/**
 * Snake-cases an API name the way SPIRE's metric keys do: `AttestAgent` → `attest_agent`,
 * `FetchX509SVID` → `fetch_x509svid`, `FetchJWTBundles` → `fetch_jwt_bundles`.
 */
export function metricSnakeCase(name: string): string {
  let out = '';
  for (let i = 0; i < name.length; i++) {
    const ch = name[i];
    const upper = ch >= 'A' && ch <= 'Z';
    const prev = name[i - 1] ?? '';
    const next = name[i + 1] ?? '';
    const startsWord = upper && i > 0 && (/[a-z]/.test(prev) || /[a-z]/.test(next));
    out += (startsWord ? '_' : '') + ch.toLowerCase();
  }
  return out;
}

/** Key parts of an RPC metric: `rpc`, package parts after `spire.api.server.` (or agent), service, method. */
export function rpcMetricKey(fullService: string, method: string): string[] {
  const parts = fullService.replace(/^spire\.(api\.)?(server|agent)\./, '').split('.');
  const service = parts.pop() ?? '';
  return ['rpc', ...parts, metricSnakeCase(service), metricSnakeCase(method)];
}

/** Options for {@link Metrics}. */
export interface MetricsOptions {
  /** Name prefix, e.g. `spire_server`. */
  prefix: string;
  /** Add `host=<hostname>` to every metric (SPIRE's default). */
  hostnameLabel?: boolean;
  /** Add `trust_domain_id=<td>` to every metric. */
  trustDomain?: string;
  /** Sinks that receive every observation besides the Prometheus registry (statsd, DogStatsD). */
  sinks?: readonly MetricSink[];
  /** Prefix and label filters (default: everything is kept). */
  filter?: MetricFilter;
  /**
   * False when nothing will read the metrics (no Prometheus listener, no sinks): every observation is then
   * dropped at once instead of costing its summary and counter updates. Default true.
   */
  record?: boolean;
}

/** A prom-client registry with SPIRE-style naming. */
export class Metrics {
  readonly registry = new client.Registry();
  private readonly counters = new Map<string, client.Counter>();
  private readonly gauges = new Map<string, client.Gauge>();
  private readonly summaries = new Map<string, client.Summary>();
  private readonly filter: MetricFilter;
  private readonly sinks: readonly MetricSink[];
  /** Labels the sinks add after the call's own (trust domain, then host, as SPIRE and go-metrics do). */
  private readonly sinkLabels: Labels;
  /** See {@link MetricsOptions.record}. */
  readonly recording: boolean;

  constructor(private readonly options: MetricsOptions) {
    this.recording = options.record ?? true;
    this.filter = options.filter ?? new MetricFilter();
    this.sinks = options.sinks ?? [];
    const labels: Labels = {};
    if (options.trustDomain) labels.trust_domain_id = options.trustDomain;
    if (options.hostnameLabel ?? true) labels.host = os.hostname();
    this.sinkLabels = this.filter.labels(labels);
    // Prometheus output keeps Lanyard's historical order: host first.
    const { host, ...rest } = this.sinkLabels;
    this.registry.setDefaultLabels(host === undefined ? rest : { host, ...rest });
  }

  /** Full metric name for key parts. */
  name(key: readonly string[]): string {
    return [this.options.prefix, ...key].join('_');
  }

  /**
   * Applies the filters and hands the observation to the statsd sinks; returns the labels to record in
   * Prometheus, or undefined when the metric is filtered out.
   */
  private route(
    key: readonly string[],
    labels: Labels,
    toSink: (sink: MetricSink, parts: readonly string[], labels: Labels) => void,
  ): Labels | undefined {
    if (!this.recording) return undefined;
    if (this.sinks.length === 0 && this.filter.keepsEverything) return labels;
    const parts = [this.options.prefix, ...key];
    if (!this.filter.allows(parts)) return undefined;
    const kept = this.filter.labels(labels);
    if (this.sinks.length > 0) {
      const all = { ...kept, ...this.sinkLabels };
      for (const sink of this.sinks) toSink(sink, parts, all);
    }
    return kept;
  }

  /** Adds `value` (default 1) to the counter `key`. */
  incrCounter(key: readonly string[], inputLabels: Labels = {}, value = 1): void {
    const labels = this.route(key, inputLabels, (sink, parts, all) => sink.incrCounter(parts, all, value));
    if (!labels) return;
    const name = this.name(key);
    let metric = this.counters.get(name);
    if (!metric) {
      metric = new client.Counter({
        name,
        help: name,
        labelNames: Object.keys(labels),
        registers: [this.registry],
      });
      this.counters.set(name, metric);
    }
    metric.inc(labels, value);
  }

  /** Sets the gauge `key`. */
  setGauge(key: readonly string[], value: number, inputLabels: Labels = {}): void {
    const labels = this.route(key, inputLabels, (sink, parts, all) => sink.setGauge(parts, all, value));
    if (!labels) return;
    const name = this.name(key);
    let metric = this.gauges.get(name);
    if (!metric) {
      metric = new client.Gauge({
        name,
        help: name,
        labelNames: Object.keys(labels),
        registers: [this.registry],
      });
      this.gauges.set(name, metric);
    }
    metric.set(labels, value);
  }

  /**
   * Records a call: counter `key` plus summary `key_elapsed_time` of `elapsedMs` (milliseconds, SPIRE's unit),
   * both labelled `status`.
   */
  measureCall(key: readonly string[], status: string, elapsedMs: number, labels: Labels = {}): void {
    if (!this.recording) return;
    const all = { ...labels, status };
    this.incrCounter(key, all);
    this.addSample([...key, 'elapsed_time'], elapsedMs, all);
  }

  /** Adds one observation `value` to the summary `key` (go-metrics' `AddSample`), e.g. a count per sync. */
  addSample(key: readonly string[], value: number, inputLabels: Labels = {}): void {
    const labels = this.route(key, inputLabels, (sink, parts, all) => sink.addSample(parts, all, value));
    if (!labels) return;
    this.summary(this.name(key), Object.keys(labels)).observe(labels, value);
  }

  private summary(name: string, labelNames: string[]): client.Summary {
    let metric = this.summaries.get(name);
    if (!metric) {
      metric = new client.Summary({ name, help: name, labelNames, registers: [this.registry] });
      this.summaries.set(name, metric);
    }
    return metric;
  }

  /** Prometheus text exposition of every metric. */
  exposition(): Promise<string> {
    return this.registry.metrics();
  }

  /** Flushes and closes the statsd sinks. */
  async close(): Promise<void> {
    await Promise.all(this.sinks.map((sink) => sink.close()));
  }
}
