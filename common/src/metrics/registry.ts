/**
 * SPIRE-shaped Prometheus metrics over prom-client: names are the prefix plus key parts joined by `_`
 * (`spire_server_rpc_agent_v1_agent_attest_agent`); counters and gauges carry no suffix; timings are
 * summaries named `<key>_elapsed_time` in milliseconds, as go-metrics' `MeasureSince` records them.
 */
import * as os from 'node:os';
import * as client from 'prom-client';

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
}

/** A prom-client registry with SPIRE-style naming. */
export class Metrics {
  readonly registry = new client.Registry();
  private readonly counters = new Map<string, client.Counter>();
  private readonly gauges = new Map<string, client.Gauge>();
  private readonly summaries = new Map<string, client.Summary>();

  constructor(private readonly options: MetricsOptions) {
    const labels: Labels = {};
    if (options.hostnameLabel ?? true) labels.host = os.hostname();
    if (options.trustDomain) labels.trust_domain_id = options.trustDomain;
    this.registry.setDefaultLabels(labels);
  }

  /** Full metric name for key parts. */
  name(key: readonly string[]): string {
    return [this.options.prefix, ...key].join('_');
  }

  /** Adds `value` (default 1) to the counter `key`. */
  incrCounter(key: readonly string[], labels: Labels = {}, value = 1): void {
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
  setGauge(key: readonly string[], value: number, labels: Labels = {}): void {
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
    const all = { ...labels, status };
    this.incrCounter(key, all);
    this.summary(this.name([...key, 'elapsed_time']), Object.keys(all)).observe(all, elapsedMs);
  }

  /** Adds one observation `value` to the summary `key` (go-metrics' `AddSample`), e.g. a count per sync. */
  addSample(key: readonly string[], value: number, labels: Labels = {}): void {
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
}
