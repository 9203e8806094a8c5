/**
 * `managed-selector-mismatch` and `managed-role-path`: entries under a managed-workloads parent
 * (`spiffe://<td>/spire/managed/<cloud>`) that no caller can ever receive.
 */
import { managedCloudOfParent, managedEntryProblem } from '../../managed/identity';
import type { Finding, LintEntry, LintRule } from '../types';

const ROLE_WITH_PATH = /^aws_iam:role:arn:aws[\w-]*:iam::\d{12}:role\/.+\/.+$/;

function asSelectors(entry: LintEntry): { type: string; value: string }[] {
  return entry.selectors.map((s) => {
    const colon = s.indexOf(':');
    return { type: colon < 0 ? s : s.slice(0, colon), value: colon < 0 ? '' : s.slice(colon + 1) };
  });
}

function findings(e: LintEntry, trustDomain: string): Finding[] {
  const cloud = managedCloudOfParent(trustDomain, e.parentId);
  if (cloud === undefined) return [];
  const problem = managedEntryProblem(trustDomain, e.parentId, asSelectors(e));
  if (problem) {
    return [
      {
        rule: 'managed-selector-mismatch',
        severity: 'error',
        entry: e,
        message: `no managed workload can match this entry: ${problem}`,
        fix: `use ${cloud} selectors (see docs/managed-workloads.md)`,
      },
    ];
  }
  return e.selectors
    .filter((s) => ROLE_WITH_PATH.test(s))
    .map((s) => ({
      rule: 'managed-role-path',
      severity: 'warning' as const,
      entry: e,
      message: `selector "${s}" names a role path, but STS reports assumed roles without their path, so it never matches`,
      fix: 'register the role ARN without its path: arn:aws:iam::<account>:role/<name>',
    }));
}

/** The managed-workloads rules. */
export const managedRules: LintRule = {
  ids: ['managed-selector-mismatch', 'managed-role-path'],
  check(entries, context) {
    return entries.flatMap((e) => findings(e, context.trustDomain));
  },
};
