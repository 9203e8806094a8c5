export {
  telemetrySchema,
  telemetryConfig,
  unsupportedSinks,
  type TelemetryBlock,
  type TelemetryConfig,
} from './config';
export { Metrics, metricSnakeCase, rpcMetricKey, type Labels, type MetricsOptions } from './registry';
export { startPrometheusListener, type PrometheusListener } from './server';
