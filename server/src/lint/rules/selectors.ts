/**
 * `broad-selectors`, `default-service-account`, `privileged-broad-selectors` and `alias-matches-all-nodes`:
 * registrations that hand an identity to far more processes or nodes than their author likely meant.
 */
import { isNodeAlias, isSubset } from '../ids';
import type { Finding, LintContext, LintEntry, LintRule } from '../types';

/** Selectors that, alone, match every root process of a node. */
const ROOT_SELECTORS = new Set(['unix:uid:0', 'unix:user:root', 'unix:gid:0', 'unix:group:root']);

/** Selector types that, alone, match a whole namespace or node rather than one workload. */
const AREA_TYPES = ['k8s:ns:', 'k8s:node-name:'];

/** Managed-workload selectors that, alone, match every identity of a whole cloud account, project or tenant. */
const CLOUD_AREA_TYPES: Readonly<Record<string, string>> = {
  'aws_iam:account:': 'every role and user of the AWS account',
  'gcp_sa:project:': 'every service account of the GCP project',
  'azure_mi:tenant:': 'every managed identity of the Entra tenant',
};

/** Why a workload entry's selector set is too broad, or undefined when it is not. */
export function broadness(selectors: readonly string[]): string | undefined {
  const cloudArea = Object.entries(CLOUD_AREA_TYPES).find(
    ([prefix]) => selectors.length > 0 && selectors.every((s) => s.startsWith(prefix)),
  );
  if (cloudArea) {
    return `its selectors (${selectors.join(', ')}) match ${cloudArea[1]}, not one workload`;
  }
  if (selectors.length === 1 && ROOT_SELECTORS.has(selectors[0])) {
    return `its only selector "${selectors[0]}" matches every process running as root on the node`;
  }
  if (selectors.length === 1 && AREA_TYPES.some((t) => selectors[0].startsWith(t))) {
    return `its only selector "${selectors[0]}" matches every pod there, not one workload`;
  }
  const nsAndDefault = selectors.every((s) => s.startsWith('k8s:ns:') || s === 'k8s:sa:default');
  if (selectors.length > 1 && nsAndDefault) {
    return `its selectors (${selectors.join(', ')}) match every pod of the namespace that has no service account of its own`;
  }
  return undefined;
}

function workloadFindings(e: LintEntry): Finding[] {
  const findings: Finding[] = [];
  const why = broadness(e.selectors);
  if (why && (e.admin || e.downstream)) {
    const role = e.admin ? 'admin' : 'downstream';
    findings.push({
      rule: 'privileged-broad-selectors',
      severity: 'error',
      entry: e,
      message: `${role} entry: ${why}, so any of them can act as a Lanyard ${role}`,
      fix: `select exactly the ${role} workload (e.g. k8s:ns plus k8s:sa, or unix:uid plus unix:path)`,
    });
  } else if (why) {
    findings.push({
      rule: 'broad-selectors',
      severity: 'warning',
      entry: e,
      message: why,
      fix: 'add selectors that single out the workload (a service account, a uid other than 0, a binary path or sha256)',
    });
  }
  if (e.selectors.includes('k8s:sa:default')) {
    findings.push({
      rule: 'default-service-account',
      severity: 'warning',
      entry: e,
      message: 'selector "k8s:sa:default" matches every pod that was not given a service account',
      fix: 'run the workload under its own service account and select that one',
    });
  }
  return findings;
}

function aliasFindings(e: LintEntry, context: LintContext): Finding[] {
  const agents = context.agents ?? [];
  if (agents.length < 2) return [];
  if (!agents.every((a) => isSubset(e.selectors, a.selectors))) return [];
  const severity = e.admin || e.downstream ? 'error' : 'warning';
  return [
    {
      rule: 'alias-matches-all-nodes',
      severity,
      entry: e,
      message: `node alias selectors (${e.selectors.join(', ')}) match all ${agents.length} attested agents, so every entry under this alias is served on every node`,
      fix: 'add node selectors that only the intended nodes have (instance tags, a node pool label, an instance profile)',
    },
  ];
}

/** The selector rules. */
export const selectorRules: LintRule = {
  ids: [
    'broad-selectors',
    'default-service-account',
    'privileged-broad-selectors',
    'alias-matches-all-nodes',
  ],
  check(entries, context) {
    return entries.flatMap((e) =>
      isNodeAlias(e.parentId, context.trustDomain) ? aliasFindings(e, context) : workloadFindings(e),
    );
  },
};
