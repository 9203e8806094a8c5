/**
 * `federation-without-relationship` and `many-federated-domains`: trust extended to trust domains the server
 * cannot vouch for, or to more of them than one workload plausibly needs.
 */
import type { Finding, LintRule } from '../types';

/** More federated trust domains than this on one entry is reported. */
export const MAX_FEDERATED_DOMAINS = 5;

/** The federation rules. */
export const federationRules: LintRule = {
  ids: ['federation-without-relationship', 'many-federated-domains'],
  needs: ['federatedTrustDomains'],
  check(entries, context) {
    const known = context.federatedTrustDomains ?? new Set<string>();
    const findings: Finding[] = [];
    for (const e of entries) {
      const missing = e.federatesWith.filter((td) => !known.has(td));
      if (missing.length > 0) {
        findings.push({
          rule: 'federation-without-relationship',
          severity: 'warning',
          entry: e,
          message: `federates with ${missing.join(', ')}, but the server has no federation relationship for ${missing.length === 1 ? 'it' : 'them'}: the workload gets no bundle and cannot authenticate peers there`,
          fix: 'create the relationship (federation create) or drop the trust domain from -federatesWith',
        });
      }
      if (e.federatesWith.length > MAX_FEDERATED_DOMAINS) {
        findings.push({
          rule: 'many-federated-domains',
          severity: 'info',
          entry: e,
          message: `federates with ${e.federatesWith.length} trust domains; each one can authenticate to this workload`,
          fix: 'keep only the trust domains the workload talks to',
        });
      }
    }
    return findings;
  },
};
