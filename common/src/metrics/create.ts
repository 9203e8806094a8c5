/** Builds the process's {@link Metrics} from its `telemetry {}` settings: prefix, labels, filters and sinks. */
import { MetricFilter } from './filter';
import { Metrics } from './registry';
import { DogStatsdSink, StatsdSink, type MetricSink } from './statsd-sink';
import type { TelemetryConfig } from './config';

/** Options of {@link createMetrics}. */
export interface CreateMetricsOptions {
  /** `spiffe://<td>`, used when `EnableTrustDomainLabel` is on. */
  trustDomainId: string;
  /** Told about UDP send failures of the statsd sinks (they never throw). */
  onSinkError?: (err: Error) => void;
}

/**
 * The registry and sinks `telemetry {}` asks for. Close it with `metrics.close()` at shutdown. Without a
 * `Prometheus {}` block and without sinks nothing can read the metrics, so they are not recorded at all.
 */
export function createMetrics(config: TelemetryConfig, options: CreateMetricsOptions): Metrics {
  const sinks: MetricSink[] = [
    ...config.statsd.map((address) => new StatsdSink(address, options.onSinkError)),
    ...config.dogStatsd.map((address) => new DogStatsdSink(address, options.onSinkError)),
  ];
  return new Metrics({
    prefix: config.prefix,
    hostnameLabel: config.enableHostnameLabel,
    trustDomain: config.enableTrustDomainLabel ? options.trustDomainId : undefined,
    filter: new MetricFilter(config.filter),
    sinks,
    record: config.prometheus !== undefined || sinks.length > 0,
  });
}
