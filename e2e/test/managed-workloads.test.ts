/**
 * Managed workloads end to end (issue #18): the real `lanyard-server` with `managed_workloads {}` on, and
 * functions on managed runtimes that have NO agent, only their runtime's identity, played by child processes
 * whose environment holds exactly what the runtime would give them:
 *   - a "Lambda" (AWS credentials in its environment, signed against a fake STS) gets a JWT-SVID with
 *     @lanyard/spiffe's ManagedIdentitySource, then Azure credentials from the Entra ID fake with the official
 *     `@azure/identity` ClientAssertionCredential;
 *   - a "Cloud Run" service (the GCP metadata fake) does the same towards AWS with the official AWS SDK, through
 *     the library and through `lanyard-helper managed aws credential-process`;
 *   - an "Azure Functions" app (App Service `IDENTITY_ENDPOINT`) gets GCP credentials with google-auth-library
 *     through `lanyard-helper managed gcp credential-config`.
 * A role with no entry is refused, replayed and stale AWS proofs are refused, and `managed x509` writes an
 * X.509-SVID that `openssl verify` accepts against the bundle.
 */
import * as fs from 'node:fs';
import * as https from 'node:https';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import {
  FakeAppServiceIdentity,
  FakeAwsStsCallerIdentity,
  FakeAwsStsWebIdentity,
  FakeAzureApis,
  FakeEntraId,
  FakeGcpFederation,
  FakeGcpMetadata,
  FakeGoogleApis,
  TestCa,
  oidcProviderKey,
  signGetCallerIdentity,
  type FakeAwsCredentials,
} from '@lanyard/test-support';
import { awsIamProof, azureManagedIdentityProof } from '@lanyard/helper/managed';
import { JwtSvid, ManagedIdentitySource, X509Svid } from '@lanyard/spiffe';
import {
  REPO_ROOT,
  ServerUnderTest,
  freePort,
  makeE2eDir,
  runCommand,
  startOidcProvider,
  waitFor,
  type ManagedProcess,
} from '../src';

jest.setTimeout(400_000);

const TD = 'example.org';
const SERVER_ID = 'lanyard.example.org';
const GCP_AUDIENCE = 'https://lanyard.example.org/managed';
const APP_ID_URI = 'api://lanyard-managed';
const LAMBDA_ROLE = 'arn:aws:iam::111122223333:role/orders-lambda';
const UNREGISTERED_ROLE = 'arn:aws:iam::111122223333:role/nobody';
const LAMBDA_ID = `spiffe://${TD}/lambda/orders`;
const CLOUD_RUN_ID = `spiffe://${TD}/run/billing`;
const FUNCTIONS_ID = `spiffe://${TD}/functions/reports`;
const AWS_TARGET_ROLE = 'arn:aws:iam::444455556666:role/billing-from-gcp';
const ENTRA_CLIENT_ID = '11111111-2222-3333-4444-555555555555';
const GCP_PROVIDER = 'projects/123456/locations/global/workloadIdentityPools/lanyard/providers/managed';
const GCP_SA = 'reports@proj.iam.gserviceaccount.com';
const HELPER_BIN = path.join(REPO_ROOT, 'helper', 'dist', 'cli', 'main.js');
const RUNTIME = path.join(__dirname, 'managed-runtime.js');
const SDK_CLIENT = path.join(__dirname, 'cloud-sdk-client.js');
const WAIT_MS = 90_000;

let dir: string;
let server: ServerUnderTest;
let provider: ManagedProcess;
let managedUrl: string;
let servingCaFile: string;
let callerSts: FakeAwsStsCallerIdentity;
let google: FakeGoogleApis;
let metadata: FakeGcpMetadata;
let azure: FakeAzureApis;
let appService: FakeAppServiceIdentity;
let entra: FakeEntraId;
let webSts: FakeAwsStsWebIdentity;
let gcpFederation: FakeGcpFederation;
let lambdaCredentials: FakeAwsCredentials;

interface RunResult {
  ok: boolean;
  error?: string;
  name?: string;
  spiffeId?: string;
  accessKeyId?: string;
  accessToken?: string;
}

function writeFile(name: string, text: string, mode = 0o644): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, text, { mode });
  return file;
}

/** What every managed runtime has: PATH, HOME and the CAs of the loopback endpoints as "system" roots. */
function runtimeEnv(extra: Record<string, string>): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: dir,
    NODE_EXTRA_CA_CERTS: path.join(dir, 'roots.pem'),
    ...extra,
  };
}

/** Lambda's environment: temporary credentials of the function's execution role. */
function lambdaEnv(credentials: FakeAwsCredentials): Record<string, string> {
  return {
    AWS_LAMBDA_FUNCTION_NAME: 'orders',
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
    AWS_SESSION_TOKEN: credentials.sessionToken ?? '',
    // The proof is signed for this endpoint (the server's configured sts_endpoint).
    AWS_ENDPOINT_URL_STS: callerSts.url,
  };
}

const cloudRunEnv = (): Record<string, string> => ({
  K_SERVICE: 'billing',
  GCE_METADATA_HOST: new URL(metadata.url).host,
});

const functionsEnv = (): Record<string, string> => ({
  FUNCTIONS_WORKER_RUNTIME: 'node',
  IDENTITY_ENDPOINT: appService.endpoint,
  IDENTITY_HEADER: appService.identityHeader,
});

async function runJson(script: string, args: string[], env: Record<string, string>): Promise<RunResult> {
  const res = await runCommand(process.execPath, [script, ...args], { timeoutMs: 120_000, cwd: dir, env });
  const line = res.stdout.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(line) as RunResult;
  } catch {
    throw new Error(
      `${path.basename(script)} printed no result (exit ${res.code}): ${res.stdout}\n${res.stderr}`,
    );
  }
}

const managedFlags = (proof: string, audience?: string): string[] => [
  '-serverURL',
  managedUrl,
  '-proof',
  proof,
  '-caFile',
  servingCaFile,
  ...(proof === 'aws_iam' ? ['-serverID', SERVER_ID] : ['-proofAudience', audience ?? '']),
];

function helper(args: string[], env: Record<string, string>): ReturnType<typeof runCommand> {
  return runCommand(process.execPath, [HELPER_BIN, ...args], {
    timeoutMs: 120_000,
    cwd: dir,
    env: runtimeEnv(env),
  });
}

/** POSTs a raw body to the listener (for proofs the client library would never send twice). */
function postRaw(
  route: string,
  body: unknown,
): Promise<{ status: number; json: { error?: { code: string; message: string } } }> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      `${managedUrl}${route}`,
      { method: 'POST', ca: fs.readFileSync(servingCaFile), headers: { 'content-type': 'application/json' } },
      (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, json: text ? JSON.parse(text) : {} }));
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

async function startFakes(issuer: string): Promise<void> {
  callerSts = new FakeAwsStsCallerIdentity();
  google = await FakeGoogleApis.create();
  azure = await FakeAzureApis.create();
  await Promise.all([callerSts.start(), google.start(), azure.start()]);
  metadata = new FakeGcpMetadata(google.signers[0]);
  metadata.platform = 'serverless';
  metadata.identity = {
    ...metadata.identity,
    serviceAccountEmail: 'billing@billing-proj.iam.gserviceaccount.com',
  };
  appService = new FakeAppServiceIdentity(azure);
  await Promise.all([metadata.start(), appService.start()]);
  azure.tenants.add(appService.identity.tenantId);
  lambdaCredentials = callerSts.assumedRoleSession(LAMBDA_ROLE, 'orders');

  entra = new FakeEntraId();
  entra.addApp({
    clientId: ENTRA_CLIENT_ID,
    federatedCredentials: [
      { name: 'orders-lambda', issuer, subject: LAMBDA_ID, audiences: ['api://AzureADTokenExchange'] },
    ],
  });
  webSts = new FakeAwsStsWebIdentity();
  const key = oidcProviderKey(issuer);
  webSts.addRole({
    roleArn: AWS_TARGET_ROLE,
    trustPolicy: {
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { Federated: webSts.addOidcProvider({ url: issuer, clientIds: ['sts.amazonaws.com'] }) },
          Action: 'sts:AssumeRoleWithWebIdentity',
          Condition: { StringEquals: { [`${key}:aud`]: 'sts.amazonaws.com', [`${key}:sub`]: CLOUD_RUN_ID } },
        },
      ],
    },
  });
  gcpFederation = new FakeGcpFederation();
  gcpFederation.addProvider({
    name: GCP_PROVIDER,
    issuerUri: issuer,
    attributeCondition: { subjectEquals: FUNCTIONS_ID },
  });
  gcpFederation.addServiceAccount({
    email: GCP_SA,
    workloadIdentityUsers: [
      `principal://iam.googleapis.com/${GCP_PROVIDER.replace(/\/providers\/.*$/, '')}/subject/${FUNCTIONS_ID}`,
    ],
  });
  await Promise.all([entra.start(), webSts.start(), gcpFederation.start()]);
}

function managedBlock(port: number, serving: { cert: string; key: string }): string {
  return `
  managed_workloads {
    address = "127.0.0.1"
    port = ${port}
    serving_cert_file {
      cert_file_path = "${serving.cert}"
      key_file_path = "${serving.key}"
    }
    server_id = "${SERVER_ID}"
    rate_limit { requests_per_minute = 6000 }
    aws_iam {
      sts_endpoint = "${callerSts.url}"
      sts_ca_file = "${writeFile('sts-ca.pem', callerSts.caPem)}"
    }
    gcp_sa {
      audience = "${GCP_AUDIENCE}"
      jwks_url = "${google.url}/oauth2/v3/certs"
    }
    azure_mi {
      app_id_uri = "${APP_ID_URI}"
      tenants = ["${appService.identity.tenantId}"]
      authority_host = "${azure.url}"
    }
  }`;
}

beforeAll(async () => {
  dir = makeE2eDir('lymanaged-');
  const oidcPort = await freePort();
  const issuer = `http://127.0.0.1:${oidcPort}`;
  await startFakes(issuer);
  const servingCa = TestCa.create({ trustDomain: 'web.test' });
  const serving = servingCa.issueCertificate({
    subject: { commonName: 'lanyard managed workloads' },
    dnsNames: ['localhost'],
    ipAddresses: ['127.0.0.1'],
    extKeyUsage: ['serverAuth'],
  });
  servingCaFile = writeFile('serving-ca.pem', servingCa.certificate.pem);
  writeFile('roots.pem', [servingCa.certificate.pem, entra.caPem].join('\n'));
  const managedPort = await freePort();
  managedUrl = `https://127.0.0.1:${managedPort}`;
  const block = managedBlock(managedPort, {
    cert: writeFile('serving.pem', serving.pem),
    key: writeFile(
      'serving.key',
      serving.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      0o600,
    ),
  });
  server = await ServerUnderTest.start({
    dir: path.join(dir, 'server'),
    trustDomain: TD,
    extraServer: `jwt_issuer = "${issuer}"\n  jwt_key_type = "rsa-2048"\n${block}`,
  });
  provider = startOidcProvider(dir, oidcPort, server.socketPath);
  const parent = (type: string): string[] => ['-parentID', `spiffe://${TD}/spire/managed/${type}`];
  await server.createEntry([
    ...parent('aws_iam'),
    '-spiffeID',
    LAMBDA_ID,
    '-selector',
    `aws_iam:role:${LAMBDA_ROLE}`,
  ]);
  await server.createEntry([
    ...parent('gcp_sa'),
    '-spiffeID',
    CLOUD_RUN_ID,
    '-selector',
    `gcp_sa:email:${metadata.identity.serviceAccountEmail}`,
  ]);
  await server.createEntry([
    ...parent('azure_mi'),
    '-spiffeID',
    FUNCTIONS_ID,
    '-selector',
    `azure_mi:principal:${appService.identity.principalId}`,
  ]);
  await waitFor(
    'the discovery provider serving keys',
    async () => {
      const res = await fetch(`${issuer}/keys`).catch(() => undefined);
      return res?.ok && ((await res.json()) as { keys: unknown[] }).keys.length > 0 ? true : undefined;
    },
    WAIT_MS,
  );
});

afterAll(async () => {
  await provider?.stop();
  await server?.stop();
  await Promise.all(
    [callerSts, google, metadata, azure, appService, entra, webSts, gcpFederation].map((fake) =>
      fake?.stop(),
    ),
  );
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

test('a Lambda with only AWS environment credentials gets Azure credentials through its JWT-SVID', async () => {
  const result = await runJson(
    RUNTIME,
    ['lambda-azure'],
    runtimeEnv({
      ...lambdaEnv(lambdaCredentials),
      LANYARD_URL: managedUrl,
      LANYARD_SERVER_ID: SERVER_ID,
      ENTRA_TENANT_ID: entra.tenantId,
      ENTRA_CLIENT_ID,
      ENTRA_AUTHORITY_HOST: entra.authorityHost,
    }),
  );
  expect(result).toMatchObject({ ok: true, spiffeId: LAMBDA_ID, accessToken: expect.any(String) });
  expect(entra.issued.map((t) => t.subject)).toEqual([LAMBDA_ID]);
});

test('a Cloud Run service with only the metadata server gets AWS credentials (library and credential_process)', async () => {
  const result = await runJson(
    RUNTIME,
    ['cloudrun-aws'],
    runtimeEnv({
      ...cloudRunEnv(),
      LANYARD_URL: managedUrl,
      LANYARD_GCP_AUDIENCE: GCP_AUDIENCE,
      AWS_ROLE_TO_ASSUME: AWS_TARGET_ROLE,
      WEB_IDENTITY_STS_URL: `${webSts.url}/`,
    }),
  );
  expect(result).toMatchObject({ ok: true, spiffeId: CLOUD_RUN_ID, accessKeyId: expect.any(String) });

  const command = [
    process.execPath,
    HELPER_BIN,
    'managed',
    'aws',
    'credential-process',
    '-roleArn',
    AWS_TARGET_ROLE,
    '-stsEndpoint',
    `${webSts.url}/`,
    '-no-cache',
    ...managedFlags('gcp_sa', GCP_AUDIENCE),
  ].join(' ');
  const config = writeFile('aws-config', `[profile lanyard]\ncredential_process = ${command}\n`);
  const viaProcess = await runJson(
    SDK_CLIENT,
    ['aws-process'],
    runtimeEnv({ ...cloudRunEnv(), AWS_CONFIG_FILE: config, AWS_SDK_LOAD_CONFIG: '1' }),
  );
  expect(viaProcess).toMatchObject({ ok: true, accessKeyId: expect.any(String) });
  expect(webSts.issued.map((s) => s.subject)).toEqual([CLOUD_RUN_ID, CLOUD_RUN_ID]);
});

test('an Azure Functions app (IDENTITY_ENDPOINT) gets GCP credentials through lanyard-helper managed gcp', async () => {
  const out = path.join(dir, 'gcp-functions.json');
  const audience = `//iam.googleapis.com/${GCP_PROVIDER}`;
  const written = await helper(
    [
      'managed',
      'gcp',
      'credential-config',
      '-audience',
      audience,
      '-out',
      out,
      '-serviceAccount',
      GCP_SA,
      '-tokenUrl',
      gcpFederation.tokenUrl,
      '-iamCredentialsEndpoint',
      gcpFederation.url,
      '-helperCommand',
      `${process.execPath} ${HELPER_BIN}`,
      ...managedFlags('azure_mi', APP_ID_URI),
    ],
    functionsEnv(),
  );
  expect(written).toMatchObject({ code: 0, stderr: '' });
  const result = await runJson(
    SDK_CLIENT,
    ['gcp'],
    runtimeEnv({
      ...functionsEnv(),
      GOOGLE_APPLICATION_CREDENTIALS: out,
      GOOGLE_EXTERNAL_ACCOUNT_ALLOW_EXECUTABLES: '1',
      GOOGLE_CLOUD_PROJECT: 'proj',
    }),
  );
  expect(result).toMatchObject({ ok: true, accessToken: expect.any(String) });
  expect(gcpFederation.issued.filter((t) => t.kind === 'service-account').map((t) => t.principal)).toEqual([
    GCP_SA,
  ]);
});

test('managed x509 writes an X.509-SVID that openssl verifies against the bundle', async () => {
  const certDir = path.join(dir, 'x509');
  fs.mkdirSync(certDir);
  const res = await helper(
    ['managed', 'x509', '-certDir', certDir, ...managedFlags('gcp_sa', GCP_AUDIENCE)],
    cloudRunEnv(),
  );
  expect(res).toMatchObject({ code: 0, stderr: '' });
  expect(res.stdout).toContain(CLOUD_RUN_ID);
  const verify = spawnSync('openssl', [
    'verify',
    '-CAfile',
    path.join(certDir, 'svid_bundle.pem'),
    path.join(certDir, 'svid.pem'),
  ]);
  expect(verify.stdout.toString()).toContain(': OK');
  expect(fs.statSync(path.join(certDir, 'svid_key.pem')).mode & 0o777).toBe(0o600);
});

test('ManagedIdentitySource is a TLS and JWT bundle source: its X.509-SVID chains to its bundle, its JWT-SVIDs validate', async () => {
  const source = await ManagedIdentitySource.create({
    serverUrl: managedUrl,
    tls: { ca: fs.readFileSync(servingCaFile) },
    proof: azureManagedIdentityProof({
      resource: APP_ID_URI,
      identityEndpoint: appService.endpoint,
      identityHeader: appService.identityHeader,
    }),
  });
  try {
    const svid = source.getX509Svid();
    expect(svid).toBeInstanceOf(X509Svid);
    expect(svid.id.toString()).toBe(FUNCTIONS_ID);
    const roots = source.getX509BundleForTrustDomain(svid.id.trustDomain).x509Authorities;
    const chain = [...svid.certificates];
    expect(roots.some((root) => chain[chain.length - 1].verify(root.publicKey))).toBe(true);
    const jwt = await source.fetchJwtSvid({ audience: 'spiffe://example.org/db' });
    expect(await source.fetchJwtSvid({ audience: 'spiffe://example.org/db' })).toBe(jwt);
    const validated = JwtSvid.parseAndValidate(jwt.token, {
      bundles: source,
      audience: 'spiffe://example.org/db',
    });
    expect(validated.id.toString()).toBe(FUNCTIONS_ID);
  } finally {
    await source.close();
  }
});

test('a role with no entry is refused with PERMISSION_DENIED', async () => {
  const stranger = callerSts.assumedRoleSession(UNREGISTERED_ROLE, 'intruder');
  const res = await helper(
    ['managed', 'jwt', '-audience', 'api://AzureADTokenExchange', ...managedFlags('aws_iam')],
    lambdaEnv(stranger),
  );
  expect(res.code).toBe(1);
  expect(res.stdout).toBe('');
  expect(res.stderr).toMatch(/code = PermissionDenied desc = .*/);
  const lambda = await helper(
    ['managed', 'jwt', '-audience', 'api://AzureADTokenExchange', ...managedFlags('aws_iam')],
    lambdaEnv(lambdaCredentials),
  );
  expect(lambda.code).toBe(0);
});

test('a replayed AWS proof and a stale one are refused with UNAUTHENTICATED', async () => {
  const proof = await awsIamProof({
    serverId: SERVER_ID,
    stsEndpoint: callerSts.url,
    credentials: lambdaCredentials,
  }).getProof();
  const body = { proof, audience: ['api://AzureADTokenExchange'] };
  expect((await postRaw('/v1/managed/jwt-svid', body)).status).toBe(200);
  const replayed = await postRaw('/v1/managed/jwt-svid', body);
  expect(replayed.status).toBe(401);
  expect(replayed.json.error).toMatchObject({
    code: 'UNAUTHENTICATED',
    message: expect.stringMatching(/replay/),
  });

  const stale = await signGetCallerIdentity(lambdaCredentials, {
    stsUrl: callerSts.url,
    headers: { 'x-lanyard-server-id': SERVER_ID },
    signingDate: new Date(Date.now() - 10 * 60_000),
  });
  const refused = await postRaw('/v1/managed/jwt-svid', {
    proof: { type: 'aws_iam', ...stale },
    audience: ['api://AzureADTokenExchange'],
  });
  expect(refused.status).toBe(401);
  expect(refused.json.error).toMatchObject({
    code: 'UNAUTHENTICATED',
    message: expect.stringMatching(/stale/),
  });
});
