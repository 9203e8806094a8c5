/**
 * go-metrics' filters, as SPIRE configures them from `AllowedPrefixes`, `BlockedPrefixes`, `AllowedLabels` and
 * `BlockedLabels`: a metric is kept or dropped by the longest configured prefix of its dot-joined name (the
 * metric prefix included, e.g. `spire_server.datastore`), kept when no prefix matches; labels are dropped by
 * name. The same filter applies to every sink.
 */
import type { MetricFilterConfig } from './config';
import type { Labels } from './registry';

/** Decides which metrics and labels reach the sinks. */
export class MetricFilter {
  private readonly prefixes: Array<{ prefix: string; allowed: boolean }>;
  private readonly allowedLabels?: ReadonlySet<string>;
  private readonly blockedLabels: ReadonlySet<string>;

  constructor(config: Partial<MetricFilterConfig> = {}) {
    // A blocked prefix wins over the same allowed one, as go-metrics inserts blocks after allows.
    const table = new Map<string, boolean>();
    for (const prefix of config.allowedPrefixes ?? []) table.set(prefix, true);
    for (const prefix of config.blockedPrefixes ?? []) table.set(prefix, false);
    this.prefixes = [...table].map(([prefix, allowed]) => ({ prefix, allowed }));
    this.prefixes.sort((a, b) => b.prefix.length - a.prefix.length);
    this.allowedLabels = config.allowedLabels?.length ? new Set(config.allowedLabels) : undefined;
    this.blockedLabels = new Set(config.blockedLabels ?? []);
  }

  /** True when no filter is configured (every metric and label is kept). */
  get keepsEverything(): boolean {
    return this.prefixes.length === 0 && !this.allowedLabels && this.blockedLabels.size === 0;
  }

  /** Whether the metric with these name parts (prefix first) is emitted. */
  allows(parts: readonly string[]): boolean {
    if (this.prefixes.length === 0) return true;
    const name = parts.join('.');
    return this.prefixes.find(({ prefix }) => name.startsWith(prefix))?.allowed ?? true;
  }

  /** Whether a label of this name is kept. */
  allowsLabel(name: string): boolean {
    if (this.blockedLabels.has(name)) return false;
    return this.allowedLabels ? this.allowedLabels.has(name) : true;
  }

  /** `labels` without the dropped ones (the same object when nothing is dropped). */
  labels(labels: Labels): Labels {
    const names = Object.keys(labels);
    if (names.every((name) => this.allowsLabel(name))) return labels;
    const kept: Labels = {};
    for (const name of names) if (this.allowsLabel(name)) kept[name] = labels[name];
    return kept;
  }
}
