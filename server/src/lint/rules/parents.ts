/** `orphan-parent`: entries whose parent is no attested agent, node alias, managed parent or other entry. */
import { isManagedParent, isNodeAlias } from '../ids';
import type { LintRule } from '../types';

/** The parent rule. */
export const parentRules: LintRule = {
  ids: ['orphan-parent'],
  needs: ['agents'],
  check(entries, context) {
    const parents = new Set<string>([
      ...(context.agents ?? []).map((a) => a.spiffeId),
      ...entries.map((e) => e.spiffeId),
      ...context.existingEntries.map((e) => e.spiffeId),
    ]);
    return entries
      .filter(
        (e) =>
          !isNodeAlias(e.parentId, context.trustDomain) &&
          !isManagedParent(e.parentId, context.trustDomain) &&
          !parents.has(e.parentId),
      )
      .map((e) => ({
        rule: 'orphan-parent',
        severity: 'warning' as const,
        entry: e,
        message: `parent ${e.parentId} is not an attested agent, a node alias or another entry: no agent serves this entry`,
        fix: 'parent the entry to an agent ID or a node alias, or attest the agent first',
      }));
  },
};
