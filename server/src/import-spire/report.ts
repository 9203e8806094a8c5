/** The import report: what the plan would write (dry run) or wrote, as text or JSON. */
import type { ImportPlan } from './plan';
import type { ImportResult } from './apply';

/** The report as a plain object (`-output json`). */
export function reportObject(plan: ImportPlan, result?: ImportResult): Record<string, unknown> {
  return {
    dryRun: result === undefined,
    trustDomain: plan.trustDomain,
    spireSchemaVersion: plan.schemaVersion,
    entries: plan.entries.length,
    agents: plan.nodes.length,
    joinTokens: plan.joinTokens.length,
    bundles: plan.bundles.map((b) => b.trustDomain.name),
    federationRelationships: plan.relationships.map((r) => r.trustDomain),
    x509Authorities: plan.ca.summary.x509,
    jwtAuthorities: plan.ca.summary.jwt,
    caKeys: [...plan.ca.keys.keys()],
    skipped: plan.skipped,
  };
}

const when = (seconds: number) => new Date(seconds * 1000).toISOString();

/** The report as text. */
export function reportText(plan: ImportPlan, result?: ImportResult): string {
  const lines = [
    `SPIRE datastore schema version ${plan.schemaVersion}, trust domain ${plan.trustDomain}`,
    `Registration entries: ${plan.entries.length}`,
    `Attested agents: ${plan.nodes.length}`,
    `Join tokens: ${plan.joinTokens.length}`,
    `Bundles: ${plan.bundles.length} (${plan.bundles.map((b) => b.trustDomain.name).join(', ')})`,
    `Federation relationships: ${plan.relationships.length}`,
    ...plan.ca.summary.x509.map(
      (a) => `X.509 CA ${a.authorityId}: ${a.status} in slot ${a.slot}, expires ${when(a.expiresAt)}`,
    ),
    ...plan.ca.summary.jwt.map(
      (a) => `JWT key ${a.authorityId}: ${a.status} in slot ${a.slot}, expires ${when(a.expiresAt)}`,
    ),
    ...plan.skipped.map((s) => `Skipped ${s.kind} ${s.id}: ${s.reason}`),
    result === undefined
      ? 'Dry run: nothing was written. Run again without -dryRun to import.'
      : `Imported ${result.entries} entries, ${result.nodes} agents, ${result.joinTokens} join tokens, ${result.bundles} bundles, ${result.relationships} federation relationships and ${result.keys} CA keys.`,
  ];
  return `${lines.join('\n')}\n`;
}
