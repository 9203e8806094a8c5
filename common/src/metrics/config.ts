/**
 * The `telemetry {}` block, with SPIRE's keys: a `Prometheus` listener (optionally over TLS), `DogStatsd` and
 * `Statsd` UDP sinks, the prefix and label switches, and prefix and label filters. `M3` and `InMem` are
 * accepted so a SPIRE config loads, and reported by {@link unsupportedSinkWarnings} at start.
 */
import { field, type Infer } from '../config/schema';
import { issueAt, type ConfigIssue } from '../config/errors';
import type { Position } from '../config/tree';
import { parseUdpAddress, type UdpAddress } from './udp-address';
import { prometheusTlsIssues, prometheusTlsSchema, type PrometheusTlsConfig } from './prometheus-tls';

/** Schema of `telemetry {}` (sections `telemetry` and `Prometheus`, as SPIRE names them). */
export const telemetrySchema = field.object('telemetry', {
  Prometheus: field.object('Prometheus', {
    host: field.string(),
    port: field.int({ min: 0, max: 65535 }),
    tls: prometheusTlsSchema,
  }),
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

/** Prefix and label filters, as go-metrics applies them to every sink. */
export interface MetricFilterConfig {
  /** Dot-separated name prefixes (the metric prefix included) to keep. */
  allowedPrefixes: string[];
  /** Dot-separated name prefixes to drop; the longest matching prefix of either list decides. */
  blockedPrefixes: string[];
  /** When set, only these label names are kept. */
  allowedLabels?: string[];
  /** Label names always dropped. */
  blockedLabels: string[];
}

/** Effective telemetry settings. */
export interface TelemetryConfig {
  /** Set when a `Prometheus {}` block is present. */
  prometheus?: { host: string; port: number; tls?: PrometheusTlsConfig };
  /** One entry per `Statsd` block. */
  statsd: UdpAddress[];
  /** One entry per `DogStatsd` block. */
  dogStatsd: UdpAddress[];
  /** Metric name prefix, e.g. `spire_server`. */
  prefix: string;
  enableTrustDomainLabel: boolean;
  enableHostnameLabel: boolean;
  filter: MetricFilterConfig;
}

/** The blocks of a sink key: SPIRE's list form `Statsd = [{ address = … }]` or a single `Statsd { … }`. */
function sinkBlocks(value: unknown): unknown[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

/** Problems in the `Statsd`/`DogStatsd` blocks: each must be an object holding only a valid `address`. */
function sinkIssues(
  name: 'Statsd' | 'DogStatsd',
  value: unknown,
  positions: ReadonlyMap<string, Position>,
): ConfigIssue[] {
  const at = ['telemetry', name];
  return sinkBlocks(value).flatMap((block): ConfigIssue[] => {
    if (typeof block !== 'object' || block === null || Array.isArray(block))
      return [issueAt(positions, at, 'must be a block with an address')];
    const { address, ...rest } = block as Record<string, unknown>;
    const issues = Object.keys(rest).map((key) =>
      issueAt(positions, [...at, key], `unknown key ${JSON.stringify(key)} (only address is allowed)`),
    );
    if (typeof address !== 'string')
      issues.push(issueAt(positions, [...at, 'address'], 'must be set (host:port)'));
    else {
      const problem = parseUdpAddress(address).error;
      if (problem) issues.push(issueAt(positions, [...at, 'address'], problem));
    }
    return issues;
  });
}

/** Every problem in `telemetry {}` beyond key types: sink addresses and the Prometheus `tls` block. */
export function telemetryIssues(
  block: TelemetryBlock | undefined,
  positions: ReadonlyMap<string, Position>,
): ConfigIssue[] {
  return [
    ...sinkIssues('Statsd', block?.Statsd, positions),
    ...sinkIssues('DogStatsd', block?.DogStatsd, positions),
    ...prometheusTlsIssues(block?.Prometheus?.tls, positions),
  ];
}

/** Addresses of valid sink blocks (call {@link telemetryIssues} first to report the others). */
function sinkAddresses(value: unknown): UdpAddress[] {
  return sinkBlocks(value).flatMap((block) => {
    const address = (block as { address?: unknown } | null)?.address;
    const parsed = typeof address === 'string' ? parseUdpAddress(address).address : undefined;
    return parsed ? [parsed] : [];
  });
}

/** Applies SPIRE's defaults (Prometheus host `localhost`, hostname label on, every metric allowed). */
export function telemetryConfig(block: TelemetryBlock | undefined, defaultPrefix: string): TelemetryConfig {
  const prometheus = block?.Prometheus;
  return {
    prometheus: prometheus
      ? { host: prometheus.host ?? 'localhost', port: prometheus.port ?? 0, tls: prometheus.tls }
      : undefined,
    statsd: sinkAddresses(block?.Statsd),
    dogStatsd: sinkAddresses(block?.DogStatsd),
    prefix: block?.MetricPrefix || defaultPrefix,
    enableTrustDomainLabel: block?.EnableTrustDomainLabel ?? false,
    enableHostnameLabel: block?.EnableHostnameLabel ?? true,
    filter: {
      allowedPrefixes: block?.AllowedPrefixes ?? [],
      blockedPrefixes: block?.BlockedPrefixes ?? [],
      allowedLabels: block?.AllowedLabels,
      blockedLabels: block?.BlockedLabels ?? [],
    },
  };
}

/** One start-up warning per configured sink Lanyard does not implement (`M3`, `InMem`). */
export function unsupportedSinkWarnings(block: TelemetryBlock | undefined): string[] {
  return (['M3', 'InMem'] as const)
    .filter((name) => block?.[name] !== undefined)
    .map(
      (name) =>
        `telemetry sink ${name} is not supported by Lanyard and is ignored; use Prometheus, Statsd or DogStatsd`,
    );
}
