/**
 * `ttl-exceeds-ca`, `ttl-over-24h`, `ttl-below-sync` and `entry-expired`: lifetimes the server cannot honour,
 * that keep a stolen SVID useful for long, or that expire before the agent can renew them.
 */
import type { Finding, LintEntry, LintRule, LintContext } from '../types';

const DAY_SECONDS = 24 * 60 * 60;

function ttlFindings(
  e: LintEntry,
  kind: 'X.509-SVID' | 'JWT-SVID',
  ttl: number,
  ctx: LintContext,
): Finding[] {
  if (ttl <= 0) return [];
  const findings: Finding[] = [];
  if (kind === 'X.509-SVID' && ttl > ctx.caTtlSeconds) {
    findings.push({
      rule: 'ttl-exceeds-ca',
      severity: 'warning',
      entry: e,
      message: `${kind} TTL ${ttl}s is longer than the CA's ca_ttl ${ctx.caTtlSeconds}s: SVIDs are capped at the CA's remaining lifetime, so the effective TTL is shorter than asked`,
      fix: `ask for at most ${ctx.caTtlSeconds}s, or raise ca_ttl`,
    });
  }
  if (ttl > DAY_SECONDS) {
    findings.push({
      rule: 'ttl-over-24h',
      severity: 'warning',
      entry: e,
      message: `${kind} TTL ${ttl}s is longer than 24h: a leaked credential stays valid that long`,
      fix: 'use a TTL of hours at most; agents renew SVIDs automatically',
    });
  }
  if (ttl < 2 * ctx.syncIntervalSeconds) {
    findings.push({
      rule: 'ttl-below-sync',
      severity: 'warning',
      entry: e,
      message: `${kind} TTL ${ttl}s is shorter than twice the agents' sync interval (${ctx.syncIntervalSeconds}s): SVIDs can expire before they are renewed`,
      fix: `use a TTL of at least ${2 * ctx.syncIntervalSeconds}s`,
    });
  }
  return findings;
}

/** The TTL and expiry rules. */
export const ttlRules: LintRule = {
  ids: ['ttl-exceeds-ca', 'ttl-over-24h', 'ttl-below-sync', 'entry-expired'],
  check(entries, ctx) {
    return entries.flatMap((e) => {
      const findings = [
        ...ttlFindings(e, 'X.509-SVID', e.x509SvidTtl, ctx),
        ...ttlFindings(e, 'JWT-SVID', e.jwtSvidTtl, ctx),
      ];
      if (e.expiresAt > 0 && e.expiresAt <= ctx.now) {
        findings.push({
          rule: 'entry-expired',
          severity: 'warning',
          entry: e,
          message: `entry expired at ${new Date(e.expiresAt * 1000).toISOString()}: no SVID is issued for it any more`,
          fix: 'delete the entry, or update -entryExpiry if the workload still needs it',
        });
      }
      return findings;
    });
  },
};
