export {
  telemetrySchema,
  telemetryConfig,
  telemetryIssues,
  unsupportedSinkWarnings,
  type TelemetryBlock,
  type TelemetryConfig,
  type MetricFilterConfig,
} from './config';
export { Metrics, metricSnakeCase, rpcMetricKey, type Labels, type MetricsOptions } from './registry';
export { MetricFilter } from './filter';
export { StatsdSink, DogStatsdSink, type MetricSink } from './statsd-sink';
export { parseUdpAddress, type UdpAddress } from './udp-address';
export { type PrometheusTlsConfig } from './prometheus-tls';
export { createMetrics, type CreateMetricsOptions } from './create';
export { startPrometheusListener, type PrometheusListener } from './server';
