/**
 * The world of the managed-workloads end-to-end test: the loopback cloud fakes (STS, Google, GCP metadata,
 * Azure App Service identity, Entra ID, AWS web identity STS, GCP workload identity federation), a real
 * `lanyard-server` with `managed_workloads {}` on, the OIDC discovery provider, three entries (one per proof
 * type), and the environments each managed runtime would give its functions.
 */
import * as fs from 'node:fs';
import * as https from 'node:https';
import * as path from 'node:path';
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
  type FakeAwsCredentials,
} from '@lanyard/test-support';
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

export const TD = 'example.org';
export const SERVER_ID = 'lanyard.example.org';
export const GCP_AUDIENCE = 'https://lanyard.example.org/managed';
export const APP_ID_URI = 'api://lanyard-managed';
export const LAMBDA_ROLE = 'arn:aws:iam::111122223333:role/orders-lambda';
export const UNREGISTERED_ROLE = 'arn:aws:iam::111122223333:role/nobody';
export const LAMBDA_ID = `spiffe://${TD}/lambda/orders`;
export const CLOUD_RUN_ID = `spiffe://${TD}/run/billing`;
export const FUNCTIONS_ID = `spiffe://${TD}/functions/reports`;
export const AWS_TARGET_ROLE = 'arn:aws:iam::444455556666:role/billing-from-gcp';
export const ENTRA_CLIENT_ID = '11111111-2222-3333-4444-555555555555';
export const GCP_PROVIDER =
  'projects/123456/locations/global/workloadIdentityPools/lanyard/providers/managed';
export const GCP_SA = 'reports@proj.iam.gserviceaccount.com';
export const HELPER_BIN = path.join(REPO_ROOT, 'helper', 'dist', 'cli', 'main.js');
/** Plays a function on a managed runtime with the library (`managed-runtime.js <scenario>`). */
export const RUNTIME = path.join(__dirname, 'managed-runtime.js');
/** Uses the official cloud SDKs with the credentials a helper command wrote. */
export const SDK_CLIENT = path.join(__dirname, 'cloud-sdk-client.js');
const WAIT_MS = 90_000;

/** The last JSON line a runtime script prints. */
export interface RunResult {
  ok: boolean;
  error?: string;
  name?: string;
  spiffeId?: string;
  accessKeyId?: string;
  accessToken?: string;
}

/** The loopback cloud services the server and the runtimes talk to. */
export class ManagedClouds {
  readonly entra = new FakeEntraId();
  readonly webSts = new FakeAwsStsWebIdentity();
  readonly gcpFederation = new FakeGcpFederation();

  private constructor(
    readonly callerSts: FakeAwsStsCallerIdentity,
    readonly google: FakeGoogleApis,
    readonly azure: FakeAzureApis,
    readonly metadata: FakeGcpMetadata,
    readonly appService: FakeAppServiceIdentity,
    /** Temporary credentials of the Lambda's execution role. */
    readonly lambdaCredentials: FakeAwsCredentials,
  ) {}

  /** Starts every fake; `issuer` is the OIDC discovery provider's URL the federations trust. */
  static async start(issuer: string): Promise<ManagedClouds> {
    const callerSts = new FakeAwsStsCallerIdentity();
    const google = await FakeGoogleApis.create();
    const azure = await FakeAzureApis.create();
    await Promise.all([callerSts.start(), google.start(), azure.start()]);
    const metadata = new FakeGcpMetadata(google.signers[0]);
    metadata.platform = 'serverless';
    metadata.identity = {
      ...metadata.identity,
      serviceAccountEmail: 'billing@billing-proj.iam.gserviceaccount.com',
    };
    const appService = new FakeAppServiceIdentity(azure);
    await Promise.all([metadata.start(), appService.start()]);
    azure.tenants.add(appService.identity.tenantId);
    const lambda = callerSts.assumedRoleSession(LAMBDA_ROLE, 'orders');
    const clouds = new ManagedClouds(callerSts, google, azure, metadata, appService, lambda);
    clouds.trust(issuer);
    await Promise.all([clouds.entra.start(), clouds.webSts.start(), clouds.gcpFederation.start()]);
    return clouds;
  }

  /** Lets each workload's SPIFFE ID federate into its target cloud. */
  private trust(issuer: string): void {
    this.entra.addApp({
      clientId: ENTRA_CLIENT_ID,
      federatedCredentials: [
        { name: 'orders-lambda', issuer, subject: LAMBDA_ID, audiences: ['api://AzureADTokenExchange'] },
      ],
    });
    const key = oidcProviderKey(issuer);
    const provider = this.webSts.addOidcProvider({ url: issuer, clientIds: ['sts.amazonaws.com'] });
    this.webSts.addRole({
      roleArn: AWS_TARGET_ROLE,
      trustPolicy: {
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Principal: { Federated: provider },
            Action: 'sts:AssumeRoleWithWebIdentity',
            Condition: {
              StringEquals: { [`${key}:aud`]: 'sts.amazonaws.com', [`${key}:sub`]: CLOUD_RUN_ID },
            },
          },
        ],
      },
    });
    this.gcpFederation.addProvider({
      name: GCP_PROVIDER,
      issuerUri: issuer,
      attributeCondition: { subjectEquals: FUNCTIONS_ID },
    });
    const pool = GCP_PROVIDER.replace(/\/providers\/.*$/, '');
    this.gcpFederation.addServiceAccount({
      email: GCP_SA,
      workloadIdentityUsers: [`principal://iam.googleapis.com/${pool}/subject/${FUNCTIONS_ID}`],
    });
  }

  /** Stops every fake. */
  async stop(): Promise<void> {
    const fakes = [this.callerSts, this.google, this.metadata, this.azure, this.appService];
    await Promise.all([...fakes, this.entra, this.webSts, this.gcpFederation].map((fake) => fake.stop()));
  }
}

/** The server, the discovery provider and the fakes, with what the tests need to play managed runtimes. */
export class ManagedWorld {
  private constructor(
    readonly dir: string,
    readonly clouds: ManagedClouds,
    readonly server: ServerUnderTest,
    private readonly provider: ManagedProcess,
    /** `https://127.0.0.1:<port>` of the managed-workloads listener. */
    readonly managedUrl: string,
    /** CA file of the listener's serving certificate. */
    readonly servingCaFile: string,
  ) {}

  /** Starts everything and registers one entry per proof type; resolves once the discovery provider serves keys. */
  static async start(): Promise<ManagedWorld> {
    const dir = makeE2eDir('lymanaged-');
    const write = (name: string, text: string, mode = 0o644) => writeFileIn(dir, name, text, mode);
    const oidcPort = await freePort();
    const issuer = `http://127.0.0.1:${oidcPort}`;
    const clouds = await ManagedClouds.start(issuer);
    const servingCa = TestCa.create({ trustDomain: 'web.test' });
    const serving = servingCa.issueCertificate({
      subject: { commonName: 'lanyard managed workloads' },
      dnsNames: ['localhost'],
      ipAddresses: ['127.0.0.1'],
      extKeyUsage: ['serverAuth'],
    });
    const servingCaFile = write('serving-ca.pem', servingCa.certificate.pem);
    write('roots.pem', [servingCa.certificate.pem, clouds.entra.caPem].join('\n'));
    const managedPort = await freePort();
    const key = serving.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const block = managedBlock(clouds, managedPort, {
      cert: write('serving.pem', serving.pem),
      key: write('serving.key', key, 0o600),
      stsCa: write('sts-ca.pem', clouds.callerSts.caPem),
    });
    const server = await ServerUnderTest.start({
      dir: path.join(dir, 'server'),
      trustDomain: TD,
      extraServer: `jwt_issuer = "${issuer}"\n  jwt_key_type = "rsa-2048"\n${block}`,
    });
    const provider = startOidcProvider(dir, oidcPort, server.socketPath);
    const world = new ManagedWorld(
      dir,
      clouds,
      server,
      provider,
      `https://127.0.0.1:${managedPort}`,
      servingCaFile,
    );
    await world.registerEntries();
    await waitFor('the discovery provider serving keys', () => servesKeys(issuer), WAIT_MS);
    return world;
  }

  private async registerEntries(): Promise<void> {
    const { appService, metadata } = this.clouds;
    const entries: Array<[string, string, string]> = [
      ['aws_iam', LAMBDA_ID, `aws_iam:role:${LAMBDA_ROLE}`],
      ['gcp_sa', CLOUD_RUN_ID, `gcp_sa:email:${metadata.identity.serviceAccountEmail}`],
      ['azure_mi', FUNCTIONS_ID, `azure_mi:principal:${appService.identity.principalId}`],
    ];
    for (const [type, spiffeId, selector] of entries) {
      const parentId = `spiffe://${TD}/spire/managed/${type}`;
      await this.server.createEntry(['-parentID', parentId, '-spiffeID', spiffeId, '-selector', selector]);
    }
  }

  /** Stops everything and removes the directory. */
  async stop(): Promise<void> {
    await this.provider.stop();
    await this.server.stop();
    await this.clouds.stop();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }

  /** Writes a file into the world's directory and returns its path. */
  writeFile(name: string, text: string, mode = 0o644): string {
    return writeFileIn(this.dir, name, text, mode);
  }

  /** What every managed runtime has: PATH, HOME and the CAs of the loopback endpoints as "system" roots. */
  runtimeEnv(extra: Record<string, string>): Record<string, string> {
    return {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: this.dir,
      NODE_EXTRA_CA_CERTS: path.join(this.dir, 'roots.pem'),
      ...extra,
    };
  }

  /** Lambda's environment: temporary credentials of the function's execution role. */
  lambdaEnv(credentials: FakeAwsCredentials): Record<string, string> {
    return {
      AWS_LAMBDA_FUNCTION_NAME: 'orders',
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
      AWS_SESSION_TOKEN: credentials.sessionToken ?? '',
      // The proof is signed for this endpoint (the server's configured sts_endpoint).
      AWS_ENDPOINT_URL_STS: this.clouds.callerSts.url,
    };
  }

  /** Cloud Run's environment: only the metadata server. */
  cloudRunEnv(): Record<string, string> {
    return { K_SERVICE: 'billing', GCE_METADATA_HOST: new URL(this.clouds.metadata.url).host };
  }

  /** Azure Functions' environment: the App Service managed identity endpoint. */
  functionsEnv(): Record<string, string> {
    const { appService } = this.clouds;
    return {
      FUNCTIONS_WORKER_RUNTIME: 'node',
      IDENTITY_ENDPOINT: appService.endpoint,
      IDENTITY_HEADER: appService.identityHeader,
    };
  }

  /** Runs a runtime script and parses the JSON result it prints last. */
  async runJson(script: string, args: string[], env: Record<string, string>): Promise<RunResult> {
    const res = await runCommand(process.execPath, [script, ...args], {
      timeoutMs: 120_000,
      cwd: this.dir,
      env,
    });
    const line = res.stdout.trim().split('\n').pop() ?? '';
    try {
      return JSON.parse(line) as RunResult;
    } catch {
      throw new Error(
        `${path.basename(script)} printed no result (exit ${res.code}): ${res.stdout}\n${res.stderr}`,
      );
    }
  }

  /** `lanyard-helper managed` flags that reach this server with a proof of type `proof`. */
  managedFlags(proof: string, audience?: string): string[] {
    return [
      '-serverURL',
      this.managedUrl,
      '-proof',
      proof,
      '-caFile',
      this.servingCaFile,
      ...(proof === 'aws_iam' ? ['-serverID', SERVER_ID] : ['-proofAudience', audience ?? '']),
    ];
  }

  /** Runs `lanyard-helper` in a runtime environment with `env` added. */
  helper(args: string[], env: Record<string, string>): ReturnType<typeof runCommand> {
    return runCommand(process.execPath, [HELPER_BIN, ...args], {
      timeoutMs: 120_000,
      cwd: this.dir,
      env: this.runtimeEnv(env),
    });
  }

  /** POSTs a raw body to the listener (for proofs the client library would never send twice). */
  postRaw(
    route: string,
    body: unknown,
  ): Promise<{ status: number; json: { error?: { code: string; message: string } } }> {
    return new Promise((resolve, reject) => {
      const headers = { 'content-type': 'application/json' };
      const ca = fs.readFileSync(this.servingCaFile);
      const req = https.request(`${this.managedUrl}${route}`, { method: 'POST', ca, headers }, (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, json: text ? JSON.parse(text) : {} }));
      });
      req.on('error', reject);
      req.end(JSON.stringify(body));
    });
  }
}

function writeFileIn(dir: string, name: string, text: string, mode: number): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, text, { mode });
  return file;
}

async function servesKeys(issuer: string): Promise<true | undefined> {
  const res = await fetch(`${issuer}/keys`).catch(() => undefined);
  return res?.ok && ((await res.json()) as { keys: unknown[] }).keys.length > 0 ? true : undefined;
}

function managedBlock(
  clouds: ManagedClouds,
  port: number,
  files: { cert: string; key: string; stsCa: string },
): string {
  return `
  managed_workloads {
    address = "127.0.0.1"
    port = ${port}
    serving_cert_file {
      cert_file_path = "${files.cert}"
      key_file_path = "${files.key}"
    }
    server_id = "${SERVER_ID}"
    rate_limit { requests_per_minute = 6000 }
    aws_iam {
      sts_endpoint = "${clouds.callerSts.url}"
      sts_ca_file = "${files.stsCa}"
    }
    gcp_sa {
      audience = "${GCP_AUDIENCE}"
      jwks_url = "${clouds.google.url}/oauth2/v3/certs"
    }
    azure_mi {
      app_id_uri = "${APP_ID_URI}"
      tenants = ["${clouds.appService.identity.tenantId}"]
      authority_host = "${clouds.azure.url}"
    }
  }`;
}
