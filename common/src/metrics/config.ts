/**
 * The `telemetry {}` block. Lanyard serves Prometheus; the other sinks SPIRE knows are accepted (so a
 * SPIRE config loads) and reported by {@link unsupportedSinks} for a start-up warning.
 */
import { field, type Infer } from '../config/schema';

/** Schema of `telemetry {}` (sections `telemetry` and `Prometheus`, as SPIRE names them). */
export const telemetrySchema = field.object('telemetry', {
  Prometheus: field.object('Prometheus', { host: field.string(), port: field.int({ min: 0, max: 65535 }) }),
  DogStatsd: field.raw(),
  Statsd: field.raw(),
  M3: field.raw(),
  InMem: field.raw(),
  MetricPrefix: field.string(),
  EnableTrustDomainLabel: field.bool(),
  EnableHostnameLabel: field.bool(),
  AllowedPrefixes: field.stringList(),
  BlockedPrefixes: field.stringList(),
  AllowedLabels: field.stringList(),
  BlockedLabels: field.stringList(),
});

/** Decoded `telemetry {}` block. */
export type TelemetryBlock = Infer<typeof telemetrySchema>;

/** Effective telemetry settings. */
export interface TelemetryConfig {
  /** Set when a `Prometheus {}` block is present. */
  prometheus?: { host: string; port: number };
  /** Metric name prefix, e.g. `spire_server`. */
  prefix: string;
  enableTrustDomainLabel: boolean;
  enableHostnameLabel: boolean;
}

/** Applies SPIRE's defaults (Prometheus host `localhost`, hostname label on). */
export function telemetryConfig(block: TelemetryBlock | undefined, defaultPrefix: string): TelemetryConfig {
  const prometheus = block?.Prometheus;
  return {
    prometheus: prometheus ? { host: prometheus.host ?? 'localhost', port: prometheus.port ?? 0 } : undefined,
    prefix: block?.MetricPrefix ?? defaultPrefix,
    enableTrustDomainLabel: block?.EnableTrustDomainLabel ?? false,
    enableHostnameLabel: block?.EnableHostnameLabel ?? true,
  };
}

/** Names of configured sinks Lanyard does not implement (`DogStatsd`, `Statsd`, `M3`, `InMem`). */
export function unsupportedSinks(block: TelemetryBlock | undefined): string[] {
  return (['DogStatsd', 'Statsd', 'M3', 'InMem'] as const).filter((name) => block?.[name] !== undefined);
}
