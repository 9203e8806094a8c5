/**
 * `duplicate-entry` and `shadowed-entry`: two entries that give the same workload the same identity twice, or
 * two different identities where one of them is probably not meant for it.
 */
import { isSubset, selectorKey } from '../ids';
import type { Finding, LintEntry, LintRule } from '../types';

function name(e: LintEntry): string {
  return e.id || e.label;
}

function duplicate(e: LintEntry, other: LintEntry): Finding {
  return {
    rule: 'duplicate-entry',
    severity: 'error',
    entry: e,
    message: `same SPIFFE ID, parent and selectors as entry ${name(other)}`,
    fix: 'delete one of the two entries',
  };
}

function shadowed(e: LintEntry, other: LintEntry): Finding {
  return {
    rule: 'shadowed-entry',
    severity: 'warning',
    entry: e,
    message: `every workload this entry matches also matches entry ${name(other)} (${other.spiffeId}) under the same parent, so it receives two identities and may use the wrong one`,
    fix: 'make the selector sets disjoint, or set a distinct -hint on each entry so workloads can tell them apart',
  };
}

/** Compares each entry under review with every other entry under the same parent. */
export const duplicateRules: LintRule = {
  ids: ['duplicate-entry', 'shadowed-entry'],
  check(entries, context) {
    const byParent = new Map<string, LintEntry[]>();
    for (const e of [...entries, ...context.existingEntries]) {
      const group = byParent.get(e.parentId) ?? [];
      group.push(e);
      byParent.set(e.parentId, group);
    }
    const findings: Finding[] = [];
    for (const e of entries) {
      for (const other of byParent.get(e.parentId) ?? []) {
        if (other === e) continue;
        if (other.spiffeId === e.spiffeId && selectorKey(other.selectors) === selectorKey(e.selectors)) {
          findings.push(duplicate(e, other));
        } else if (
          other.spiffeId !== e.spiffeId &&
          !e.hint &&
          !other.hint &&
          isSubset(other.selectors, e.selectors)
        ) {
          findings.push(shadowed(e, other));
        }
      }
    }
    return findings;
  },
};
