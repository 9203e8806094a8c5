/** `wildcard-dns-name` and `dns-outside-trust-domain`: DNS SANs wider than one workload, or foreign names. */
import type { Finding, LintRule } from '../types';

/** True when `name` is `td` or a subdomain of it. */
function under(name: string, td: string): boolean {
  const n = name.toLowerCase();
  const t = td.toLowerCase();
  return n === t || n.endsWith(`.${t}`);
}

/** The DNS name rules. */
export const dnsRules: LintRule = {
  ids: ['wildcard-dns-name', 'dns-outside-trust-domain'],
  check(entries, context) {
    const td = context.trustDomain;
    const findings: Finding[] = [];
    for (const e of entries) {
      for (const dns of e.dnsNames) {
        if (dns.includes('*')) {
          findings.push({
            rule: 'wildcard-dns-name',
            severity: 'warning',
            entry: e,
            message: `DNS name "${dns}" is a wildcard: the SVID is valid as a TLS server certificate for every matching host`,
            fix: 'list the exact host names the workload serves',
          });
        } else if (td.includes('.') && !under(dns, td)) {
          findings.push({
            rule: 'dns-outside-trust-domain',
            severity: 'info',
            entry: e,
            message: `DNS name "${dns}" is not under the trust domain's name "${td}"`,
            fix: 'check that this workload really serves that name',
          });
        }
      }
    }
    return findings;
  },
};
