import { lintEntries, type LintContext, type LintEntry } from '../../src/lint';

const TD = 'example.org';
const AGENT = `spiffe://${TD}/spire/agent/join_token/a1`;
const OTHER_AGENT = `spiffe://${TD}/spire/agent/join_token/a2`;
const SERVER = `spiffe://${TD}/spire/server`;
const NOW = 1_800_000_000;

let counter = 0;
function entry(fields: Partial<LintEntry> = {}): LintEntry {
  counter += 1;
  return {
    id: `e${counter}`,
    label: `entry e${counter}`,
    spiffeId: `spiffe://${TD}/w${counter}`,
    parentId: AGENT,
    selectors: ['unix:uid:1000', 'unix:path:/usr/bin/app'],
    x509SvidTtl: 0,
    jwtSvidTtl: 0,
    federatesWith: [],
    admin: false,
    downstream: false,
    expiresAt: 0,
    dnsNames: [],
    hint: '',
    ...fields,
  };
}

function context(fields: Partial<LintContext> = {}): LintContext {
  return {
    trustDomain: TD,
    existingEntries: [],
    agents: [
      { spiffeId: AGENT, selectors: ['aws_iid:tag:role:web', 'aws_iid:az:eu-west-1a'] },
      { spiffeId: OTHER_AGENT, selectors: ['aws_iid:tag:role:db', 'aws_iid:az:eu-west-1a'] },
    ],
    federatedTrustDomains: new Set(['partner.test']),
    caTtlSeconds: 86_400,
    syncIntervalSeconds: 5,
    now: NOW,
    ...fields,
  };
}

/** The rule IDs found for `entries` (sorted, unique). */
function rules(entries: LintEntry[], ctx = context()): string[] {
  return [...new Set(lintEntries(entries, ctx).findings.map((f) => f.rule))].sort();
}

test('a clean registration has no findings', () => {
  const web = entry({ selectors: ['k8s:ns:prod', 'k8s:sa:web'], dnsNames: ['web.example.org'] });
  const alias = entry({ parentId: SERVER, selectors: ['aws_iid:tag:role:web'] });
  const child = entry({ parentId: alias.spiffeId, selectors: ['unix:uid:1001'] });
  expect(lintEntries([web, alias, child], context()).findings).toEqual([]);
});

describe('broad-selectors', () => {
  test.each([['unix:uid:0'], ['unix:user:root'], ['k8s:ns:prod'], ['k8s:node-name:n1']])(
    'a single %s is too broad',
    (selector) => {
      expect(rules([entry({ selectors: [selector] })])).toEqual(['broad-selectors']);
    },
  );
  test('uid 0 with a binary path, or a namespace with a service account, is not', () => {
    expect(rules([entry({ selectors: ['unix:uid:0', 'unix:path:/usr/sbin/sshd'] })])).toEqual([]);
    expect(rules([entry({ selectors: ['k8s:ns:prod', 'k8s:sa:api'] })])).toEqual([]);
  });
});

test('default-service-account: k8s:sa:default is reported, another account is not', () => {
  expect(rules([entry({ selectors: ['k8s:ns:prod', 'k8s:sa:default'] })])).toEqual([
    'broad-selectors',
    'default-service-account',
  ]);
  expect(rules([entry({ selectors: ['k8s:ns:prod', 'k8s:sa:web'] })])).toEqual([]);
});

test('privileged-broad-selectors: an admin or downstream entry with broad selectors is an error', () => {
  const admin = lintEntries([entry({ admin: true, selectors: ['unix:uid:0'] })], context()).findings;
  expect(admin.map((f) => [f.rule, f.severity])).toEqual([['privileged-broad-selectors', 'error']]);
  expect(rules([entry({ downstream: true, selectors: ['k8s:ns:kube-system'] })])).toEqual([
    'privileged-broad-selectors',
  ]);
  expect(rules([entry({ admin: true, selectors: ['k8s:ns:ops', 'k8s:sa:admin-cli'] })])).toEqual([]);
});

test('alias-matches-all-nodes: an alias whose selectors every agent has is reported', () => {
  expect(rules([entry({ parentId: SERVER, selectors: ['aws_iid:az:eu-west-1a'] })])).toEqual([
    'alias-matches-all-nodes',
  ]);
  expect(rules([entry({ parentId: SERVER, selectors: ['aws_iid:tag:role:db'] })])).toEqual([]);
  const oneAgent = context({ agents: [{ spiffeId: AGENT, selectors: ['aws_iid:az:eu-west-1a'] }] });
  expect(rules([entry({ parentId: SERVER, selectors: ['aws_iid:az:eu-west-1a'] })], oneAgent)).toEqual([]);
});

test('duplicate-entry: same SPIFFE ID, parent and selectors (in any order), also against existing entries', () => {
  const a = entry({ spiffeId: `spiffe://${TD}/dup`, selectors: ['unix:uid:1', 'unix:gid:2'] });
  const b = entry({ spiffeId: `spiffe://${TD}/dup`, selectors: ['unix:gid:2', 'unix:uid:1'] });
  expect(rules([a, b])).toEqual(['duplicate-entry']);
  expect(rules([a], context({ existingEntries: [b] }))).toEqual(['duplicate-entry']);
  expect(rules([a, entry({ spiffeId: `spiffe://${TD}/dup`, parentId: OTHER_AGENT })])).toEqual([]);
});

test('shadowed-entry: a workload matching one entry also matches another of the same parent', () => {
  const wide = entry({ selectors: ['unix:uid:1000'] });
  const narrow = entry({ selectors: ['unix:uid:1000', 'unix:path:/bin/x'] });
  const found = lintEntries([wide, narrow], context()).findings;
  expect(found.map((f) => [f.rule, f.entry.id])).toEqual([['shadowed-entry', narrow.id]]);
  expect(rules([wide, entry({ selectors: ['unix:uid:1001'] })])).toEqual([]);
  expect(rules([wide, { ...narrow, hint: 'internal' }])).toEqual([]);
});

test('federation-without-relationship and many-federated-domains', () => {
  expect(rules([entry({ federatesWith: ['unknown.test'] })])).toEqual(['federation-without-relationship']);
  expect(rules([entry({ federatesWith: ['partner.test'] })])).toEqual([]);
  const many = ['a', 'b', 'c', 'd', 'e', 'f'].map((x) => `${x}.test`);
  const ctx = context({ federatedTrustDomains: new Set(many) });
  expect(rules([entry({ federatesWith: many })], ctx)).toEqual(['many-federated-domains']);
  expect(rules([entry({ federatesWith: many.slice(0, 5) })], ctx)).toEqual([]);
});

test('ttl rules: longer than the CA, longer than 24h, shorter than two syncs; expired entries', () => {
  expect(rules([entry({ x509SvidTtl: 2 * 86_400 })])).toEqual(['ttl-exceeds-ca', 'ttl-over-24h']);
  expect(rules([entry({ x509SvidTtl: 7_200 })], context({ caTtlSeconds: 3_600 }))).toEqual([
    'ttl-exceeds-ca',
  ]);
  expect(rules([entry({ jwtSvidTtl: 2 * 86_400 })])).toEqual(['ttl-over-24h']);
  expect(rules([entry({ x509SvidTtl: 9 })])).toEqual(['ttl-below-sync']);
  expect(rules([entry({ x509SvidTtl: 3_600, jwtSvidTtl: 300 })])).toEqual([]);
  expect(rules([entry({ expiresAt: NOW - 1 })])).toEqual(['entry-expired']);
  expect(rules([entry({ expiresAt: NOW + 3_600 })])).toEqual([]);
});

test('dns rules: wildcards, and names outside the trust domain', () => {
  expect(rules([entry({ dnsNames: ['*.example.org'] })])).toEqual(['wildcard-dns-name']);
  expect(rules([entry({ dnsNames: ['evil.com'] })])).toEqual(['dns-outside-trust-domain']);
  expect(rules([entry({ dnsNames: ['api.example.org', 'example.org'] })])).toEqual([]);
});

test('orphan-parent: a parent that is no agent, alias or entry', () => {
  expect(rules([entry({ parentId: `spiffe://${TD}/nowhere` })])).toEqual(['orphan-parent']);
  const parent = entry();
  expect(rules([entry({ parentId: parent.spiffeId })], context({ existingEntries: [parent] }))).toEqual([]);
});

test('rules that need agents or relationships are skipped, and listed, when those are unknown', () => {
  const report = lintEntries([entry({ parentId: `spiffe://${TD}/nowhere`, federatesWith: ['x.test'] })], {
    ...context(),
    agents: undefined,
    federatedTrustDomains: undefined,
  });
  expect(report.findings).toEqual([]);
  expect(report.skippedRules).toEqual(
    expect.arrayContaining(['orphan-parent', 'federation-without-relationship']),
  );
});

test('findings are ordered most serious first', () => {
  const report = lintEntries(
    [entry({ dnsNames: ['evil.com'] }), entry({ admin: true, selectors: ['unix:uid:0'] })],
    context(),
  );
  expect(report.findings.map((f) => f.severity)).toEqual(['error', 'info']);
});
