/** The shapes `entry lint` works on: entries, what the server knows around them, and findings. */

/** How bad a finding is; `-failOn` compares against this order. */
export type Severity = 'error' | 'warning' | 'info';

/** Severities from the most to the least serious. */
export const SEVERITIES: readonly Severity[] = ['error', 'warning', 'info'];

/** True when `severity` is at least as serious as `threshold`. */
export function atLeast(severity: Severity, threshold: Severity): boolean {
  return SEVERITIES.indexOf(severity) <= SEVERITIES.indexOf(threshold);
}

/** A registration entry as the linter sees it (IDs as `spiffe://…` strings, selectors as `type:value`). */
export interface LintEntry {
  /** Entry ID; empty for an entry read from a `-data` file that has none yet. */
  readonly id: string;
  /** Where the entry came from when it has no ID, e.g. `entries[3]` of a `-data` file. */
  readonly label: string;
  readonly spiffeId: string;
  readonly parentId: string;
  readonly selectors: readonly string[];
  /** Seconds; 0 means the server default. */
  readonly x509SvidTtl: number;
  /** Seconds; 0 means the server default. */
  readonly jwtSvidTtl: number;
  /** Trust domain names (no scheme). */
  readonly federatesWith: readonly string[];
  readonly admin: boolean;
  readonly downstream: boolean;
  /** Unix seconds; 0 means no expiry. */
  readonly expiresAt: number;
  readonly dnsNames: readonly string[];
  readonly hint: string;
}

/** An attested agent: its SPIFFE ID and node selectors (`type:value`). */
export interface LintAgent {
  readonly spiffeId: string;
  readonly selectors: readonly string[];
}

/** What the server knows besides the entries under review; `undefined` parts were not available. */
export interface LintContext {
  /** Trust domain name of the server (no scheme). */
  readonly trustDomain: string;
  /** Entries already registered that are not under review (they count for duplicates, shadowing, parents). */
  readonly existingEntries: readonly LintEntry[];
  /** Attested agents; undefined when the server could not be asked. */
  readonly agents?: readonly LintAgent[];
  /** Trust domains with a federation relationship; undefined when the server could not be asked. */
  readonly federatedTrustDomains?: ReadonlySet<string>;
  /** The CA's `ca_ttl` in seconds. */
  readonly caTtlSeconds: number;
  /** The agents' `sync_interval` in seconds. */
  readonly syncIntervalSeconds: number;
  /** Unix seconds. */
  readonly now: number;
}

/** One problem found in one entry. */
export interface Finding {
  /** Rule ID, e.g. `broad-selectors`; each has a section in docs/lint.md. */
  readonly rule: string;
  readonly severity: Severity;
  readonly entry: LintEntry;
  /** Why this is dangerous, naming the entry's own values. */
  readonly message: string;
  /** How to fix it. */
  readonly fix: string;
}

/** A lint rule: looks at every entry under review (with the context) and returns its findings. */
export interface LintRule {
  /** Rule IDs this rule can report. */
  readonly ids: readonly string[];
  /** Context parts the rule cannot work without; it is skipped (and said so) when one is missing. */
  readonly needs?: readonly ('agents' | 'federatedTrustDomains')[];
  check(entries: readonly LintEntry[], context: LintContext): Finding[];
}
