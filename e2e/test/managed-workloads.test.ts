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
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { signGetCallerIdentity } from '@lanyard/test-support';
import { awsIamProof, azureManagedIdentityProof } from '@lanyard/helper/managed';
import { JwtSvid, ManagedIdentitySource, X509Svid } from '@lanyard/spiffe';
import {
  APP_ID_URI,
  AWS_TARGET_ROLE,
  CLOUD_RUN_ID,
  ENTRA_CLIENT_ID,
  FUNCTIONS_ID,
  GCP_AUDIENCE,
  GCP_PROVIDER,
  GCP_SA,
  HELPER_BIN,
  LAMBDA_ID,
  ManagedWorld,
  RUNTIME,
  SDK_CLIENT,
  SERVER_ID,
  UNREGISTERED_ROLE,
} from './managed-fixtures';

jest.setTimeout(400_000);

let world: ManagedWorld;

beforeAll(async () => {
  world = await ManagedWorld.start();
});

afterAll(async () => {
  await world?.stop();
});

test('a Lambda with only AWS environment credentials gets Azure credentials through its JWT-SVID', async () => {
  const result = await world.runJson(
    RUNTIME,
    ['lambda-azure'],
    world.runtimeEnv({
      ...world.lambdaEnv(world.clouds.lambdaCredentials),
      LANYARD_URL: world.managedUrl,
      LANYARD_SERVER_ID: SERVER_ID,
      ENTRA_TENANT_ID: world.clouds.entra.tenantId,
      ENTRA_CLIENT_ID,
      ENTRA_AUTHORITY_HOST: world.clouds.entra.authorityHost,
    }),
  );
  expect(result).toMatchObject({ ok: true, spiffeId: LAMBDA_ID, accessToken: expect.any(String) });
  expect(world.clouds.entra.issued.map((t) => t.subject)).toEqual([LAMBDA_ID]);
});

test('a Cloud Run service with only the metadata server gets AWS credentials (library and credential_process)', async () => {
  const result = await world.runJson(
    RUNTIME,
    ['cloudrun-aws'],
    world.runtimeEnv({
      ...world.cloudRunEnv(),
      LANYARD_URL: world.managedUrl,
      LANYARD_GCP_AUDIENCE: GCP_AUDIENCE,
      AWS_ROLE_TO_ASSUME: AWS_TARGET_ROLE,
      WEB_IDENTITY_STS_URL: `${world.clouds.webSts.url}/`,
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
    `${world.clouds.webSts.url}/`,
    '-no-cache',
    ...world.managedFlags('gcp_sa', GCP_AUDIENCE),
  ].join(' ');
  const config = world.writeFile('aws-config', `[profile lanyard]\ncredential_process = ${command}\n`);
  const viaProcess = await world.runJson(
    SDK_CLIENT,
    ['aws-process'],
    world.runtimeEnv({ ...world.cloudRunEnv(), AWS_CONFIG_FILE: config, AWS_SDK_LOAD_CONFIG: '1' }),
  );
  expect(viaProcess).toMatchObject({ ok: true, accessKeyId: expect.any(String) });
  expect(world.clouds.webSts.issued.map((s) => s.subject)).toEqual([CLOUD_RUN_ID, CLOUD_RUN_ID]);
});

test('an Azure Functions app (IDENTITY_ENDPOINT) gets GCP credentials through lanyard-helper managed gcp', async () => {
  const out = path.join(world.dir, 'gcp-functions.json');
  const audience = `//iam.googleapis.com/${GCP_PROVIDER}`;
  const written = await world.helper(
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
      world.clouds.gcpFederation.tokenUrl,
      '-iamCredentialsEndpoint',
      world.clouds.gcpFederation.url,
      '-helperCommand',
      `${process.execPath} ${HELPER_BIN}`,
      ...world.managedFlags('azure_mi', APP_ID_URI),
    ],
    world.functionsEnv(),
  );
  expect(written).toMatchObject({ code: 0, stderr: '' });
  const result = await world.runJson(
    SDK_CLIENT,
    ['gcp'],
    world.runtimeEnv({
      ...world.functionsEnv(),
      GOOGLE_APPLICATION_CREDENTIALS: out,
      GOOGLE_EXTERNAL_ACCOUNT_ALLOW_EXECUTABLES: '1',
      GOOGLE_CLOUD_PROJECT: 'proj',
    }),
  );
  expect(result).toMatchObject({ ok: true, accessToken: expect.any(String) });
  expect(
    world.clouds.gcpFederation.issued.filter((t) => t.kind === 'service-account').map((t) => t.principal),
  ).toEqual([GCP_SA]);
});

test('managed x509 writes an X.509-SVID that openssl verifies against the bundle', async () => {
  const certDir = path.join(world.dir, 'x509');
  fs.mkdirSync(certDir);
  const res = await world.helper(
    ['managed', 'x509', '-certDir', certDir, ...world.managedFlags('gcp_sa', GCP_AUDIENCE)],
    world.cloudRunEnv(),
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
    serverUrl: world.managedUrl,
    tls: { ca: fs.readFileSync(world.servingCaFile) },
    proof: azureManagedIdentityProof({
      resource: APP_ID_URI,
      identityEndpoint: world.clouds.appService.endpoint,
      identityHeader: world.clouds.appService.identityHeader,
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
  const stranger = world.clouds.callerSts.assumedRoleSession(UNREGISTERED_ROLE, 'intruder');
  const res = await world.helper(
    ['managed', 'jwt', '-audience', 'api://AzureADTokenExchange', ...world.managedFlags('aws_iam')],
    world.lambdaEnv(stranger),
  );
  expect(res.code).toBe(1);
  expect(res.stdout).toBe('');
  expect(res.stderr).toMatch(/code = PermissionDenied desc = .*/);
  const lambda = await world.helper(
    ['managed', 'jwt', '-audience', 'api://AzureADTokenExchange', ...world.managedFlags('aws_iam')],
    world.lambdaEnv(world.clouds.lambdaCredentials),
  );
  expect(lambda.code).toBe(0);
});

test('a replayed AWS proof and a stale one are refused with UNAUTHENTICATED', async () => {
  const proof = await awsIamProof({
    serverId: SERVER_ID,
    stsEndpoint: world.clouds.callerSts.url,
    credentials: world.clouds.lambdaCredentials,
  }).getProof();
  const body = { proof, audience: ['api://AzureADTokenExchange'] };
  expect((await world.postRaw('/v1/managed/jwt-svid', body)).status).toBe(200);
  const replayed = await world.postRaw('/v1/managed/jwt-svid', body);
  expect(replayed.status).toBe(401);
  expect(replayed.json.error).toMatchObject({
    code: 'UNAUTHENTICATED',
    message: expect.stringMatching(/replay/),
  });

  const stale = await signGetCallerIdentity(world.clouds.lambdaCredentials, {
    stsUrl: world.clouds.callerSts.url,
    headers: { 'x-lanyard-server-id': SERVER_ID },
    signingDate: new Date(Date.now() - 10 * 60_000),
  });
  const refused = await world.postRaw('/v1/managed/jwt-svid', {
    proof: { type: 'aws_iam', ...stale },
    audience: ['api://AzureADTokenExchange'],
  });
  expect(refused.status).toBe(401);
  expect(refused.json.error).toMatchObject({
    code: 'UNAUTHENTICATED',
    message: expect.stringMatching(/stale/),
  });
});
