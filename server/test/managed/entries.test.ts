/** Entries under the managed parents: `entry create` validation over the real API, and `entry lint`'s rules. */
import { lintEntries, type LintEntry } from '../../src/lint';
import { rpc, startTestServer, wid, type TestServer } from '../api/harness';

const TD = 'example.org';
const AWS_PARENT = `spiffe://${TD}/spire/managed/aws_iam`;

function managedEntry(selectors: string[], parentId = AWS_PARENT): LintEntry {
  return {
    id: 'm1',
    label: 'entry m1',
    spiffeId: `spiffe://${TD}/aws/reader`,
    parentId,
    selectors,
    x509SvidTtl: 0,
    jwtSvidTtl: 0,
    federatesWith: [],
    admin: false,
    downstream: false,
    expiresAt: 0,
    dnsNames: [],
    hint: '',
  };
}

function findings(entry: LintEntry): Array<{ rule: string; message: string }> {
  const report = lintEntries([entry], {
    trustDomain: TD,
    existingEntries: [],
    agents: [],
    federatedTrustDomains: new Set(),
    caTtlSeconds: 86_400,
    syncIntervalSeconds: 5,
    now: 1_800_000_000,
  });
  return report.findings.map((f) => ({ rule: f.rule, message: f.message }));
}

describe('entry lint on managed entries', () => {
  it('accepts a role entry: the managed parent is no orphan', () => {
    expect(findings(managedEntry(['aws_iam:role:arn:aws:iam::123456789012:role/reader']))).toEqual([]);
  });

  it('flags an entry whose only selector is a whole account, project or tenant as broad', () => {
    const [finding] = findings(managedEntry(['aws_iam:account:123456789012']));
    expect(finding).toEqual({
      rule: 'broad-selectors',
      message:
        'its selectors (aws_iam:account:123456789012) match every role and user of the AWS account, not one workload',
    });
    expect(findings(managedEntry(['gcp_sa:project:p1'], `spiffe://${TD}/spire/managed/gcp_sa`))[0].rule).toBe(
      'broad-selectors',
    );
  });

  it('flags selectors of another type or shape, and role ARNs with a path', () => {
    expect(findings(managedEntry(['unix:uid:0']))).toContainEqual({
      rule: 'managed-selector-mismatch',
      message: `no managed workload can match this entry: selectors[0]: entries under ${AWS_PARENT} take aws_iam selectors, not "unix"`,
    });
    expect(findings(managedEntry(['aws_iam:account:12'])).map((f) => f.rule)).toContain(
      'managed-selector-mismatch',
    );
    expect(
      findings(managedEntry(['aws_iam:role:arn:aws:iam::123456789012:role/app/reader'])).map((f) => f.rule),
    ).toEqual(['managed-role-path']);
  });
});

describe('entry create under managed parents', () => {
  let ts: TestServer;
  beforeAll(async () => {
    ts = await startTestServer();
  });
  afterAll(() => ts.stop());

  const create = (selectors: Array<{ type: string; value: string }>) =>
    rpc<{ results: Array<{ status: { code: number; message: string }; entry?: { id: string } }> }>((cb) =>
      ts.admin.entry.BatchCreateEntry(
        { entries: [{ spiffe_id: wid('/aws/reader'), parent_id: wid('/spire/managed/aws_iam'), selectors }] },
        cb,
      ),
    );

  it('creates an entry with the cloud selectors', async () => {
    const { results } = await create([
      { type: 'aws_iam', value: 'role:arn:aws:iam::123456789012:role/reader' },
    ]);
    expect(results[0].status.code).toBe(0);
    expect(results[0].entry?.id).toBeTruthy();
  });

  it('refuses selectors that can never match, naming the problem', async () => {
    const wrongType = await create([{ type: 'unix', value: 'uid:1000' }]);
    expect(wrongType.results[0].status).toEqual({
      code: 3,
      message: `failed to convert entry: invalid selectors: selectors[0]: entries under ${AWS_PARENT} take aws_iam selectors, not "unix"`,
    });
    const badArn = await create([
      { type: 'aws_iam', value: 'role:arn:aws:sts::123456789012:assumed-role/r/s' },
    ]);
    expect(badArn.results[0].status.message).toContain('aws_iam:role must be a role ARN');
  });
});
