/**
 * Cloud credentials from a SPIFFE ID, end to end: the real `lanyard-server` (`jwt_issuer`, `rsa-2048` JWT keys),
 * `lanyard-agent`, `lanyard-oidc-discovery-provider` (keys over the server's admin socket) and `lanyard-helper`,
 * with the clouds' official SDKs, unmodified, run as the workload against loopback fakes of AWS STS, GCP STS + IAM
 * Credentials and Entra ID. A second workload with another SPIFFE ID is refused by every trust policy, and a JWT
 * authority rotation breaks no exchange. One helper daemon config also keeps the token files and serves the AWS
 * container-credentials endpoint that the SDKs use.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  FakeAwsStsWebIdentity,
  FakeEntraId,
  FakeGcpFederation,
  FakeRolesAnywhere,
  oidcProviderKey,
  pathForOtherUsers,
  runAsPrefix,
} from '@lanyard/test-support';
import {
  AgentUnderTest,
  REPO_ROOT,
  ServerUnderTest,
  type ManagedProcess,
  freePort,
  runCommand,
  startOidcProvider,
  startProcess,
  waitFor,
} from '../src';

jest.setTimeout(400_000);

const TD = 'example.org';
const NODE_ID = `spiffe://${TD}/e2e/cloud-node`;
const WORKLOAD = { uid: 1001, spiffeId: `spiffe://${TD}/ns/pay/sa/api` };
const OTHER = { uid: 1002, spiffeId: `spiffe://${TD}/ns/web/sa/api` };
const ROLE = 'arn:aws:iam::111122223333:role/pay-api';
const PROVIDER = 'projects/123456/locations/global/workloadIdentityPools/lanyard/providers/prod';
const GCP_AUDIENCE = `//iam.googleapis.com/${PROVIDER}`;
const SA = 'pay@proj.iam.gserviceaccount.com';
const CLIENT_ID = '11111111-2222-3333-4444-555555555555';
const AZURE_AUDIENCE = 'api://AzureADTokenExchange';
const HELPER_BIN = path.join(REPO_ROOT, 'helper', 'dist', 'cli', 'main.js');
const CLIENT = path.join(__dirname, 'cloud-sdk-client.js');
const WAIT_MS = 90_000;

type Workload = typeof WORKLOAD;

let dir: string;
let issuer: string;
let server: ServerUnderTest;
let agent: AgentUnderTest;
let provider: ManagedProcess;
let sts: FakeAwsStsWebIdentity;
let gcp: FakeGcpFederation;
let entra: FakeEntraId;
let rolesAnywhere: FakeRolesAnywhere;

interface SdkResult {
  ok: boolean;
  error?: string;
  accessKeyId?: string;
  accessToken?: string;
}

/** Fetches a JWT-SVID for `audience` through the agent as the workload's uid. */
async function jwtFor(workload: Workload, audience: string): Promise<string> {
  return waitFor(
    `a JWT-SVID for ${workload.spiffeId} (${audience})`,
    async () => {
      const res = await agent.cli(['api', 'fetch', 'jwt', '-audience', audience], { uid: workload.uid });
      return res.code === 0 ? /token\([^)]+\):\n\t(\S+)/.exec(res.stdout)?.[1] : undefined;
    },
    WAIT_MS,
  );
}

/** Writes a token file for the workload (bare JWT, no trailing newline). */
async function tokenFile(workload: Workload, audience: string, name: string): Promise<string> {
  const file = path.join(dir, `${workload.uid}-${name}`);
  fs.writeFileSync(file, await jwtFor(workload, audience), { mode: 0o644 });
  return file;
}

/** Runs the SDK client as the workload with `env`. */
async function sdk(workload: Workload, args: string[], env: Record<string, string>): Promise<SdkResult> {
  const [setpriv, ...prefix] = runAsPrefix({ uid: workload.uid });
  const res = await runCommand(setpriv, [...prefix, process.execPath, pathForOtherUsers(CLIENT), ...args], {
    timeoutMs: 120_000,
    cwd: dir,
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: dir,
      SPIFFE_ENDPOINT_SOCKET: `unix://${agent.socketPath}`,
      NODE_EXTRA_CA_CERTS: path.join(dir, 'entra-ca.pem'),
      ...env,
    },
  });
  const line = res.stdout.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(line) as SdkResult;
  } catch {
    throw new Error(`SDK client printed no result (exit ${res.code}): ${res.stdout}\n${res.stderr}`);
  }
}

async function awsTokenFile(workload: Workload, file?: string): Promise<SdkResult> {
  return sdk(workload, ['aws-token-file', `${sts.url}/`], {
    AWS_ROLE_ARN: ROLE,
    AWS_WEB_IDENTITY_TOKEN_FILE: file ?? (await tokenFile(workload, 'sts.amazonaws.com', 'aws-token')),
  });
}

async function awsCredentialProcess(workload: Workload, command?: string): Promise<SdkResult> {
  const config = path.join(dir, `${workload.uid}-aws-config`);
  const helper = `${process.execPath} ${pathForOtherUsers(HELPER_BIN)}`;
  const args = command ?? `aws credential-process -roleArn ${ROLE} -stsEndpoint ${sts.url}/ -no-cache`;
  fs.writeFileSync(config, `[profile lanyard]\ncredential_process = ${helper} ${args}\n`, { mode: 0o644 });
  return sdk(workload, ['aws-process'], { AWS_CONFIG_FILE: config, AWS_SDK_LOAD_CONFIG: '1' });
}

const RA_ANCHOR = 'arn:aws:rolesanywhere:us-east-1:111122223333:trust-anchor/ta-1';
const RA_PROFILE = 'arn:aws:rolesanywhere:us-east-1:111122223333:profile/p-1';

function rolesAnywhereArgs(): string {
  return `aws roles-anywhere -trustAnchorArn ${RA_ANCHOR} -profileArn ${RA_PROFILE} -roleArn ${ROLE} -region us-east-1 -endpoint ${rolesAnywhere.url}`;
}

async function gcpConfig(workload: Workload, source: 'executable' | 'file', file?: string): Promise<string> {
  const out = path.join(dir, `${workload.uid}-gcp-${source}.json`);
  const args = ['gcp', 'credential-config', '-audience', GCP_AUDIENCE, '-out', out, '-serviceAccount', SA];
  args.push('-tokenUrl', gcp.tokenUrl, '-iamCredentialsEndpoint', gcp.url);
  if (source === 'file')
    args.push('-tokenFile', file ?? (await tokenFile(workload, GCP_AUDIENCE, 'gcp-token')));
  else args.push('-helperCommand', `${process.execPath} ${pathForOtherUsers(HELPER_BIN)}`);
  const res = await runCommand(process.execPath, [HELPER_BIN, ...args], { timeoutMs: 60_000 });
  if (res.code !== 0) throw new Error(`gcp credential-config exited ${res.code}: ${res.stderr}`);
  fs.chmodSync(out, 0o644);
  return out;
}

async function gcpSdk(workload: Workload, source: 'executable' | 'file', file?: string): Promise<SdkResult> {
  return sdk(workload, ['gcp'], {
    GOOGLE_APPLICATION_CREDENTIALS: await gcpConfig(workload, source, file),
    GOOGLE_EXTERNAL_ACCOUNT_ALLOW_EXECUTABLES: '1',
    // Else GoogleAuth asks Cloud Resource Manager (a public host) for the project of the pool's project number.
    GOOGLE_CLOUD_PROJECT: 'proj',
  });
}

async function azureSdk(workload: Workload, file?: string): Promise<SdkResult> {
  return sdk(workload, ['azure'], {
    AZURE_TENANT_ID: entra.tenantId,
    AZURE_CLIENT_ID: CLIENT_ID,
    AZURE_FEDERATED_TOKEN_FILE: file ?? (await tokenFile(workload, AZURE_AUDIENCE, 'azure-token')),
    AZURE_AUTHORITY_HOST: entra.authorityHost,
  });
}

const PATHS: Array<[string, (w: Workload) => Promise<SdkResult>]> = [
  ['AWS web identity token file', (w) => awsTokenFile(w)],
  ['AWS credential_process (lanyard-helper)', (w) => awsCredentialProcess(w)],
  [
    'AWS credential_process with IAM Roles Anywhere (X.509-SVID)',
    (w) => awsCredentialProcess(w, rolesAnywhereArgs()),
  ],
  ['GCP external_account, executable source (lanyard-helper)', (w) => gcpSdk(w, 'executable')],
  ['GCP external_account, file source', (w) => gcpSdk(w, 'file')],
  ['Azure WorkloadIdentityCredential', (w) => azureSdk(w)],
];

async function providerKids(): Promise<string[]> {
  const response = await fetch(`${issuer}/keys`);
  if (!response.ok) return [];
  return ((await response.json()) as { keys: Array<{ kid: string }> }).keys.map((k) => k.kid);
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lycloud-'));
  fs.chmodSync(dir, 0o755);
  const oidcPort = await freePort();
  issuer = `http://127.0.0.1:${oidcPort}`;
  server = await ServerUnderTest.start({
    dir: path.join(dir, 'server'),
    trustDomain: TD,
    extraServer: `jwt_issuer = "${issuer}"\n  jwt_key_type = "rsa-2048"\n  default_jwt_svid_ttl = "15m"`,
  });
  provider = startOidcProvider(dir, oidcPort, server.socketPath);
  agent = await AgentUnderTest.start({
    dir: path.join(dir, 'agent'),
    serverPort: server.port,
    trustBundlePath: await server.writeBundle(),
    trustDomain: TD,
    joinToken: await server.joinToken(NODE_ID),
    syncInterval: '1s',
  });
  for (const w of [WORKLOAD, OTHER]) {
    await server.createEntry([
      '-parentID',
      NODE_ID,
      '-spiffeID',
      w.spiffeId,
      '-selector',
      `unix:uid:${w.uid}`,
    ]);
  }
  await waitFor(
    'the provider serving keys',
    async () => ((await providerKids()).length > 0 ? true : undefined),
    WAIT_MS,
  );

  sts = new FakeAwsStsWebIdentity();
  const p = oidcProviderKey(issuer);
  const federated = sts.addOidcProvider({ url: issuer, clientIds: ['sts.amazonaws.com'] });
  sts.addRole({
    roleArn: ROLE,
    trustPolicy: {
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { Federated: federated },
          Action: 'sts:AssumeRoleWithWebIdentity',
          Condition: { StringEquals: { [`${p}:aud`]: 'sts.amazonaws.com', [`${p}:sub`]: WORKLOAD.spiffeId } },
        },
      ],
    },
  });
  gcp = new FakeGcpFederation();
  gcp.addProvider({
    name: PROVIDER,
    issuerUri: issuer,
    attributeCondition: { subjectEquals: WORKLOAD.spiffeId },
  });
  const pool = PROVIDER.replace(/\/providers\/.*$/, '');
  gcp.addServiceAccount({
    email: SA,
    workloadIdentityUsers: [`principal://iam.googleapis.com/${pool}/subject/${WORKLOAD.spiffeId}`],
  });
  entra = new FakeEntraId();
  entra.addApp({
    clientId: CLIENT_ID,
    federatedCredentials: [
      { name: 'pay-api', issuer, subject: WORKLOAD.spiffeId, audiences: [AZURE_AUDIENCE] },
    ],
  });
  rolesAnywhere = new FakeRolesAnywhere();
  rolesAnywhere.addTrustAnchor({
    trustAnchorArn: RA_ANCHOR,
    certificates: [fs.readFileSync(await server.writeBundle())],
  });
  rolesAnywhere.addProfile({ profileArn: RA_PROFILE, roleArns: [ROLE] });
  rolesAnywhere.addRole({ roleArn: ROLE, allowedSanUris: [WORKLOAD.spiffeId] });
  await Promise.all([sts.start(), gcp.start(), entra.start(), rolesAnywhere.start()]);
  fs.writeFileSync(path.join(dir, 'entra-ca.pem'), entra.caPem, { mode: 0o644 });
});

afterAll(async () => {
  await Promise.all([sts?.stop(), gcp?.stop(), entra?.stop(), rolesAnywhere?.stop()]);
  await provider?.stop();
  await agent?.stop();
  await server?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

test('the JWT-SVID carries the issuer byte for byte and an RS256 key the provider publishes', async () => {
  const token = await jwtFor(WORKLOAD, 'sts.amazonaws.com');
  const [header, claims] = token
    .split('.')
    .slice(0, 2)
    .map((p) => JSON.parse(Buffer.from(p, 'base64url').toString()));
  expect(claims).toMatchObject({ iss: issuer, sub: WORKLOAD.spiffeId, aud: 'sts.amazonaws.com' });
  expect(header.alg).toBe('RS256');
  expect(await providerKids()).toContain(header.kid);
});

test.each(PATHS)('%s: the workload obtains credentials', async (_name, run) => {
  const result = await run(WORKLOAD);
  expect({ ok: result.ok, error: result.error }).toEqual({ ok: true, error: undefined });
  expect(result.accessKeyId ?? result.accessToken).toEqual(expect.any(String));
});

test('every cloud recorded the workload SPIFFE ID as the subject', () => {
  expect(new Set(sts.issued.map((s) => s.subject))).toEqual(new Set([WORKLOAD.spiffeId]));
  expect(gcp.issued.filter((t) => t.kind === 'service-account').map((t) => t.principal)).toEqual([SA, SA]);
  expect(entra.issued.map((t) => t.subject)).toEqual([WORKLOAD.spiffeId]);
});

test.each<[string, (w: Workload) => Promise<SdkResult>, RegExp]>([
  ['AWS token file', (w) => awsTokenFile(w), /Not authorized to perform sts:AssumeRoleWithWebIdentity/],
  ['AWS credential_process', (w) => awsCredentialProcess(w), /AccessDenied/],
  [
    'AWS Roles Anywhere',
    (w) => awsCredentialProcess(w, rolesAnywhereArgs()),
    /AccessDeniedException|role trust policy/,
  ],
  [
    'GCP executable',
    (w) => gcpSdk(w, 'executable'),
    /rejected by the attribute condition|unauthorized_client/,
  ],
  ['GCP file', (w) => gcpSdk(w, 'file'), /rejected by the attribute condition|unauthorized_client/],
  ['Azure', (w) => azureSdk(w), /AADSTS700213/],
])('%s: a workload with another SPIFFE ID is refused by the trust policy', async (_name, run, error) => {
  const result = await run(OTHER);
  expect(result.ok).toBe(false);
  expect(result.error).toMatch(error);
});

test('a JWT authority rotation (prepare, activate) breaks no exchange', async () => {
  const before = await providerKids();
  const out = await server.cliOk(['localauthority', 'jwt', 'prepare']);
  const authorityId = /Authority ID: (\S+)/.exec(out)?.[1];
  expect(authorityId).toEqual(expect.any(String));
  await waitFor(
    'the prepared key in /keys before it signs anything',
    async () => ((await providerKids()).length > before.length ? true : undefined),
    WAIT_MS,
  );
  await server.cliOk(['localauthority', 'jwt', 'activate', '-authorityID', String(authorityId)]);
  for (const [name, run] of PATHS) {
    const result = await run(WORKLOAD);
    expect({ name, ok: result.ok, error: result.error }).toEqual({ name, ok: true, error: undefined });
  }
  expect(await providerKids()).toEqual(expect.arrayContaining(before));
});

test('one helper daemon config keeps the token files and serves the AWS container endpoint; the SDKs use them', async () => {
  const certDir = path.join(dir, 'helper');
  fs.mkdirSync(certDir, { mode: 0o755 });
  fs.chownSync(certDir, WORKLOAD.uid, WORKLOAD.uid);
  const port = await freePort();
  const conf = path.join(dir, 'helper.conf');
  fs.writeFileSync(
    conf,
    [
      `agent_address = "${agent.socketPath}"`,
      `cert_dir = "${certDir}"`,
      'jwt_svids = [',
      '  { jwt_audience = "sts.amazonaws.com", jwt_svid_file_name = "aws.token" },',
      `  { jwt_audience = "${AZURE_AUDIENCE}", jwt_svid_file_name = "azure.token" },`,
      `  { jwt_audience = "${GCP_AUDIENCE}", jwt_svid_file_name = "gcp.token" },`,
      ']',
      'aws_container_credentials {',
      `  role_arn = "${ROLE}"`,
      `  sts_endpoint = "${sts.url}/"`,
      `  bind_port = ${port}`,
      '  authorization_token_file = "aws-container.token"',
      '}',
    ].join('\n'),
    { mode: 0o644 },
  );
  const [setpriv, ...prefix] = runAsPrefix({ uid: WORKLOAD.uid });
  const helper = startProcess('lanyard-helper', setpriv, [
    ...prefix,
    process.execPath,
    pathForOtherUsers(HELPER_BIN),
    '-config',
    conf,
  ]);
  try {
    const names = ['aws.token', 'azure.token', 'gcp.token', 'aws-container.token'];
    await waitFor(
      'the helper files',
      async () => (names.every((n) => fs.existsSync(path.join(certDir, n))) ? true : undefined),
      WAIT_MS,
    );
    const awsToken = fs.readFileSync(path.join(certDir, 'aws.token'), 'utf8');
    expect(awsToken).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    const results = {
      tokenFile: await awsTokenFile(WORKLOAD, path.join(certDir, 'aws.token')),
      container: await sdk(WORKLOAD, ['aws-container'], {
        AWS_CONTAINER_CREDENTIALS_FULL_URI: `http://127.0.0.1:${port}/v1/credentials`,
        AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE: path.join(certDir, 'aws-container.token'),
      }),
      gcp: await gcpSdk(WORKLOAD, 'file', path.join(certDir, 'gcp.token')),
      azure: await azureSdk(WORKLOAD, path.join(certDir, 'azure.token')),
    };
    for (const [name, result] of Object.entries(results)) {
      expect({ name, ok: result.ok, error: result.error }).toEqual({ name, ok: true, error: undefined });
    }
  } finally {
    await helper.stop();
  }
});
