/** Runs every lint rule over the entries under review and orders the findings. */
import { dnsRules } from './rules/dns';
import { duplicateRules } from './rules/duplicates';
import { federationRules } from './rules/federation';
import { managedRules } from './rules/managed';
import { parentRules } from './rules/parents';
import { selectorRules } from './rules/selectors';
import { ttlRules } from './rules/ttl';
import { SEVERITIES, type Finding, type LintContext, type LintEntry, type LintRule } from './types';

/** Every rule, in the order docs/lint.md lists them. */
export const LINT_RULES: readonly LintRule[] = [
  selectorRules,
  duplicateRules,
  federationRules,
  ttlRules,
  dnsRules,
  parentRules,
  managedRules,
];

/** The result of a lint run. */
export interface LintReport {
  /** Most serious first, then by SPIFFE ID, entry and rule. */
  readonly findings: readonly Finding[];
  /** Rule IDs that did not run because the context they need was not available. */
  readonly skippedRules: readonly string[];
}

/** Lints `entries` against `context`. */
export function lintEntries(entries: readonly LintEntry[], context: LintContext): LintReport {
  const findings: Finding[] = [];
  const skippedRules: string[] = [];
  for (const rule of LINT_RULES) {
    if (rule.needs?.some((part) => context[part] === undefined)) {
      skippedRules.push(...rule.ids);
      continue;
    }
    findings.push(...rule.check(entries, context));
  }
  findings.sort(
    (a, b) =>
      SEVERITIES.indexOf(a.severity) - SEVERITIES.indexOf(b.severity) ||
      a.entry.spiffeId.localeCompare(b.entry.spiffeId) ||
      (a.entry.id || a.entry.label).localeCompare(b.entry.id || b.entry.label) ||
      a.rule.localeCompare(b.rule),
  );
  return { findings, skippedRules };
}
