/**
 * `lanyard-helper managed …` flag handling: missing or bad flags name themselves before anything is sent, and
 * `managed gcp credential-config` writes an executable command that carries the managed flags back.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as net from 'node:net';
import * as path from 'node:path';
import { runCli } from '../helpers';

const MANAGED = [
  '-serverURL',
  'https://127.0.0.1:8444',
  '-proof',
  'gcp_sa',
  '-proofAudience',
  'https://lanyard',
];

test.each([
  [['managed', 'jwt', ...MANAGED], 'audience is required'],
  [['managed', 'jwt', '-audience', 'a', '-proof', 'gcp_sa'], 'serverURL is required'],
  [['managed', 'jwt', '-audience', 'a', '-serverURL', 'https://h'], 'proof is required'],
  [
    ['managed', 'jwt', '-audience', 'a', '-serverURL', 'http://h', '-proof', 'gcp_sa', '-proofAudience', 'x'],
    'must be an https:// URL',
  ],
  [
    ['managed', 'jwt', '-audience', 'a', '-serverURL', 'https://h', '-proof', 'aws_iam'],
    'aws_iam proof: serverId is required',
  ],
  [
    ['managed', 'jwt', '-audience', 'a', '-serverURL', 'https://h', '-proof', 'azure_mi'],
    'azure_mi proof: resource',
  ],
  [['managed', 'jwt', '-audience', 'a', ...MANAGED, '-spiffeID', 'http://x'], 'spiffeID "http://x"'],
  [
    ['managed', 'jwt', '-audience', 'a', ...MANAGED, '-caFile', '/nonexistent/ca.pem'],
    'caFile "/nonexistent/ca.pem" cannot be read',
  ],
  [['managed', 'x509', ...MANAGED], 'certDir is required'],
  [['managed', 'aws', 'credential-process', ...MANAGED], 'roleArn is required'],
])('%j fails naming the problem', async (argv, message) => {
  const res = await runCli(argv);
  expect(res.code).toBe(1);
  expect(res.stderr).toContain(message);
});

/** A loopback port nothing listens on (bound, then closed). */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

test('an unreachable metadata server is reported without contacting the server', async () => {
  const port = await closedPort();
  const res = await runCli([
    'managed',
    'jwt',
    '-audience',
    'a',
    ...MANAGED,
    '-proofEndpoint',
    `http://127.0.0.1:${port}`,
  ]);
  expect(res.code).toBe(1);
  expect(res.stderr).toMatch(
    /gcp_sa proof: http:\/\/127\.0\.0\.1:\d+\/computeMetadata\/.* is unreachable: ECONNREFUSED/,
  );
});

test('managed gcp credential-config points google-auth-library at `managed gcp executable` with the same flags', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'lyhelper-'));
  try {
    const out = path.join(dir, 'gcp.json');
    const audience = '//iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/p/providers/q';
    const res = await runCli([
      'managed',
      'gcp',
      'credential-config',
      '-audience',
      audience,
      '-out',
      out,
      ...MANAGED,
      '-helperCommand',
      '/usr/bin/lanyard-helper',
    ]);
    expect(res.stderr).toBe('');
    const config = JSON.parse(readFileSync(out, 'utf8')) as {
      credential_source: { executable: { command: string } };
    };
    expect(config.credential_source.executable.command).toBe(
      `/usr/bin/lanyard-helper managed gcp executable -audience ${audience} ${MANAGED.join(' ')}`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
