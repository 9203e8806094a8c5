import { execFile, execFileSync, spawn } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { issueSvid, makeEntry, makeTrustDomain, startApi, type RunningApi } from './workload-fixtures';

const AGENT_BIN = path.join(__dirname, '..', 'dist', 'cli', 'main.js');
const uid = process.getuid!();
let api: RunningApi;
let outDir: string;
let alphaPem: string;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function cli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [AGENT_BIN, ...args],
      { env: { ...process.env, ...env }, timeout: 20000 },
      (err, stdout, stderr) =>
        resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

beforeAll(async () => {
  // The CLI runs as a real process from the built package (CI builds before testing; build here too). Type errors
  // elsewhere in the package do not stop tsc from emitting, so only a missing entry point fails the suite.
  try {
    execFileSync(
      process.execPath,
      [require.resolve('typescript/bin/tsc'), '--build', path.join(__dirname, '..')],
      {
        stdio: 'ignore',
        timeout: 240_000,
      },
    );
  } catch {
    // reported below if nothing was emitted
  }
  if (!fs.existsSync(AGENT_BIN)) throw new Error(`${AGENT_BIN} was not built: run npx tsc --build agent`);
  const other = makeTrustDomain('other.org');
  const alpha = makeTrustDomain('alpha.org');
  api = await startApi();
  api.cache.setFederatedBundles([other.bundle, alpha.bundle]);
  alphaPem = alpha.bundle.toPem();
  const direct = makeEntry('e1', 'spiffe://example.org/web', [`test:uid:${uid}`], {
    federatesWith: ['other.org', 'alpha.org'],
  });
  const chained = makeEntry('e2', 'spiffe://example.org/db', [`test:uid:${uid}`], { hint: 'internal' });
  api.cache.updateEntries([direct, chained]);
  api.cache.setSvid('e1', issueSvid(api.td.ca, direct));
  api.cache.setSvid('e2', issueSvid(api.td.ca.createIntermediate(), chained));
}, 300_000);

afterAll(async () => {
  await api?.close();
});

beforeEach(() => {
  outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lanyard-cli-'));
});
afterEach(() => fs.rmSync(outDir, { recursive: true, force: true }));

test('api fetch x509 -write writes SPIRE file names that openssl verify accepts, key 0600', async () => {
  const run = await cli(['api', 'fetch', 'x509', '-socketPath', api.socketPath, '-write', outDir]);
  expect(run.code).toBe(0);
  expect(run.stdout).toContain(`Writing SVID #0 to file ${path.join(outDir, 'svid.0.pem')}.`);
  expect(run.stdout).toContain(`Writing key #1 to file ${path.join(outDir, 'svid.1.key')}.`);
  expect(run.stdout).toContain(
    `Writing federated bundle #0 for trust domain spiffe://alpha.org to file ${path.join(outDir, 'federated_bundle.0.0.pem')}.`,
  );
  expect(run.stdout).toContain(
    `Writing federated bundle #1 for trust domain spiffe://other.org to file ${path.join(outDir, 'federated_bundle.0.1.pem')}.`,
  );
  const files = fs.readdirSync(outDir).sort();
  expect(files).toEqual([
    'bundle.0.pem',
    'bundle.1.pem',
    'federated_bundle.0.0.pem',
    'federated_bundle.0.1.pem',
    'federated_bundle.1.0.pem',
    'federated_bundle.1.1.pem',
    'svid.0.key',
    'svid.0.pem',
    'svid.1.key',
    'svid.1.pem',
  ]);
  expect(fs.readFileSync(path.join(outDir, 'federated_bundle.1.0.pem'), 'utf8')).toBe(alphaPem);
  expect(fs.statSync(path.join(outDir, 'svid.0.key')).mode & 0o777).toBe(0o600);
  expect(fs.statSync(path.join(outDir, 'svid.0.pem')).mode & 0o777).toBe(0o644);
  const verify = (...args: string[]) => execFileSync('openssl', ['verify', ...args], { encoding: 'utf8' });
  expect(verify('-CAfile', path.join(outDir, 'bundle.0.pem'), path.join(outDir, 'svid.0.pem'))).toContain(
    ': OK',
  );
  const svid1 = path.join(outDir, 'svid.1.pem');
  expect(verify('-CAfile', path.join(outDir, 'bundle.1.pem'), '-untrusted', svid1, svid1)).toContain(': OK');
  const key = crypto.createPrivateKey(fs.readFileSync(path.join(outDir, 'svid.0.key')));
  expect(
    new crypto.X509Certificate(fs.readFileSync(path.join(outDir, 'svid.0.pem'))).checkPrivateKey(key),
  ).toBe(true);
  expect(fs.readFileSync(path.join(outDir, 'svid.0.key'), 'utf8')).toMatch(/^-----BEGIN PRIVATE KEY-----/);
});

test("api fetch (= x509) prints SPIRE's block: count, IDs, hint, validity lines, federated CAs", async () => {
  const run = await cli(['api', 'fetch', '--socketPath', api.socketPath]);
  expect(run.code).toBe(0);
  expect(run.stdout).toMatch(
    /^Received 2 svids after \d+(\.\d+)?(ms|µs|s)\n\nSPIFFE ID:\t\tspiffe:\/\/example\.org\/web\n/,
  );
  expect(run.stdout).toMatch(/SVID Valid After:\t\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \+0000 UTC\n/);
  expect(run.stdout).toContain('SPIFFE ID:\t\tspiffe://example.org/db\nHint:\t\t\tinternal\n');
  expect(run.stdout).toMatch(/Intermediate #1 Valid Until:\t/);
  expect(run.stdout).toMatch(/CA #1 Valid After:\t/);
  expect(run.stdout).toMatch(
    /\[spiffe:\/\/alpha\.org\] CA #1 Valid Until:\t[^\n]+\n\[spiffe:\/\/other\.org\] CA #1 Valid After:\t/,
  );
});

test('-silent prints nothing; SPIRE_AGENT_PUBLIC_SOCKET is used without -socketPath', async () => {
  const run = await cli(['api', 'fetch', 'x509', '-silent'], { SPIRE_AGENT_PUBLIC_SOCKET: api.socketPath });
  expect(run).toEqual({ code: 0, stdout: '', stderr: '' });
});

test('-output json prints the response with proto field names', async () => {
  const run = await cli(['api', 'fetch', 'x509', '-socketPath', api.socketPath, '-output', 'json']);
  const doc = JSON.parse(run.stdout);
  expect(doc.svids.map((s: { spiffe_id: string }) => s.spiffe_id)).toEqual([
    'spiffe://example.org/web',
    'spiffe://example.org/db',
  ]);
  expect(Buffer.from(doc.svids[0].x509_svid, 'base64')[0]).toBe(0x30);
  expect(Object.keys(doc.federated_bundles).sort()).toEqual(['spiffe://alpha.org', 'spiffe://other.org']);
});

test('connection errors and bad flags are printed raw (rpc error: code = … desc = …) with exit 1', async () => {
  const denied = await cli([
    'api',
    'fetch',
    'x509',
    '-socketPath',
    path.join(outDir, 'missing.sock'),
    '-timeout',
    '500ms',
  ]);
  expect(denied.code).toBe(1);
  expect(denied.stderr).toMatch(/^rpc error: code = (Unavailable|DeadlineExceeded) desc = /);
  const badTimeout = await cli(['api', 'fetch', '-socketPath', api.socketPath, '-timeout', '5 days']);
  expect([badTimeout.code, badTimeout.stderr]).toEqual([1, expect.stringContaining('invalid duration')]);
});

test('a caller without identity sees "rpc error: code = PermissionDenied desc = no identity issued"', async () => {
  const saved = api.cache.entries();
  api.cache.updateEntries([]);
  const run = await cli(['api', 'fetch', 'x509', '-socketPath', api.socketPath]);
  api.cache.updateEntries(saved);
  for (const e of saved) api.cache.setSvid(e.entryId, issueSvid(api.td.ca, e));
  expect(run).toEqual({
    code: 1,
    stdout: '',
    stderr: 'rpc error: code = PermissionDenied desc = no identity issued\n',
  });
});

test('api fetch jwt prints tokens, hints and JWT bundles; audience is required', async () => {
  const run = await cli(['api', 'fetch', 'jwt', '-audience', 'db,cache', '-socketPath', api.socketPath]);
  expect(run.code).toBe(0);
  expect(run.stdout).toMatch(/^token\(spiffe:\/\/example\.org\/web\):\n\t[\w-]+\.[\w-]+\.[\w-]+\n/);
  expect(run.stdout).toContain('hint(spiffe://example.org/db):\n\tinternal\n');
  expect(run.stdout).toContain(`bundle(spiffe://example.org):\n\t{"keys":[{`);
  const missing = await cli(['api', 'fetch', 'jwt', '-socketPath', api.socketPath]);
  expect([missing.code, missing.stderr]).toEqual([1, 'audience must be specified\n']);
  const one = await cli([
    'api',
    'fetch',
    'jwt',
    '-audience',
    'db',
    '-spiffeID',
    'spiffe://example.org/db',
    '-socketPath',
    api.socketPath,
    '-output',
    'json',
  ]);
  const [svids, bundles] = JSON.parse(one.stdout);
  expect(svids.svids.map((s: { spiffe_id: string }) => s.spiffe_id)).toEqual(['spiffe://example.org/db']);
  const jwks = Buffer.from(bundles.bundles['spiffe://example.org'], 'base64').toString('utf8');
  expect(JSON.parse(jwks).keys[0].kid).toBe(api.td.jwtKey.kid);
});

test('api validate jwt: valid → "SVID is valid." with claims; invalid → "SVID is not valid: …" exit 1', async () => {
  const token = api.td.jwtKey.signJwtSvid({ spiffeId: 'spiffe://example.org/web', audience: 'db' });
  const ok = await cli([
    'api',
    'validate',
    'jwt',
    '-audience',
    'db',
    '-svid',
    token,
    '-socketPath',
    api.socketPath,
  ]);
  expect(ok.code).toBe(0);
  expect(ok.stdout).toMatch(
    /^SVID is valid\.\nSPIFFE ID : spiffe:\/\/example\.org\/web\nClaims {4}: \{.*"aud":\["db"\].*\}\n$/,
  );
  const bad = await cli([
    'api',
    'validate',
    'jwt',
    '-audience',
    'web',
    '-svid',
    token,
    '-socketPath',
    api.socketPath,
  ]);
  expect(bad.code).toBe(1);
  expect(bad.stderr).toMatch(/^SVID is not valid: /);
  const noSvid = await cli(['api', 'validate', 'jwt', '-audience', 'web', '-socketPath', api.socketPath]);
  expect(noSvid.stderr).toBe('svid must be specified\n');
});

test('api watch prints a block per update and stops on SIGINT', async () => {
  const child = spawn(process.execPath, [AGENT_BIN, 'api', 'watch', '-socketPath', api.socketPath]);
  let stdout = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  const count = () => (stdout.match(/^Received 2 svids after/gm) ?? []).length;
  const waitFor = async (n: number) => {
    for (let i = 0; i < 500 && count() < n; i++) await new Promise((r) => setTimeout(r, 20));
    expect(count()).toBeGreaterThanOrEqual(n);
  };
  await waitFor(1);
  const entry = api.cache.entries().find((e) => e.entryId === 'e1')!;
  api.cache.setSvid('e1', issueSvid(api.td.ca, entry));
  await waitFor(2);
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  child.kill('SIGINT');
  expect(await exit).toBe(0);
});
