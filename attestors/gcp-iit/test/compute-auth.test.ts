/**
 * How gcp_iit's server authenticates to the Compute API through google-auth-library: the `service_account_file`
 * key, or Application Default Credentials. The fake Compute API verifies self-signed JWTs against the registered
 * service account keys and accepts only access tokens it issued.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { InternalError, InvalidArgumentError, UnavailableError } from '@lanyard/base';
import { FakeGoogleApis } from '@lanyard/test-support';
import { parseServerConfig } from '../src';
import {
  type GcpWorld,
  agentPayload,
  decodeClaims,
  noChallenge,
  server,
  serviceAccountFile,
  startWorld,
} from './helpers';

let world: GcpWorld;
beforeEach(async () => {
  world = await startWorld();
});
afterEach(async () => world.stop());

const SERVER_SA = 'spire-server@my-project.iam.gserviceaccount.com';
const ADC_VARIABLES = ['GOOGLE_APPLICATION_CREDENTIALS', 'GCE_METADATA_HOST'] as const;

/** Runs `body` with exactly these ADC variables set (the others unset), then restores the environment. */
async function withAdcEnv<T>(
  vars: Partial<Record<(typeof ADC_VARIABLES)[number], string>>,
  body: () => Promise<T>,
): Promise<T> {
  const saved = ADC_VARIABLES.map((name) => [name, process.env[name]] as const);
  for (const name of ADC_VARIABLES) {
    if (vars[name] === undefined) delete process.env[name];
    else process.env[name] = vars[name];
  }
  try {
    return await body();
  } finally {
    for (const [name, value] of saved) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
}

function computeRequests(): { authorization?: string }[] {
  return world.apis.requests.filter((r) => r.path.startsWith('/compute/v1/')).map((r) => r.headers);
}

describe('gcp_iit Compute API credentials', () => {
  it('signs a scoped JWT with the service_account_file key instead of exchanging it for a token', async () => {
    const file = await serviceAccountFile(world);
    const attestor = await server(world, { use_instance_metadata: true, service_account_file: file });
    await attestor.attest(await agentPayload(world), noChallenge);

    const [{ authorization }] = computeRequests();
    const jwt = Buffer.from(String(authorization).replace(/^Bearer /, ''));
    const header = JSON.parse(Buffer.from(jwt.toString().split('.')[0], 'base64url').toString()) as {
      kid?: string;
    };
    const key = JSON.parse(readFileSync(file, 'utf8')) as { private_key_id: string };
    expect(header.kid).toBe(key.private_key_id);
    expect(decodeClaims(jwt)).toMatchObject({
      iss: SERVER_SA,
      sub: SERVER_SA,
      scope: 'https://www.googleapis.com/auth/compute.readonly',
    });
    expect(world.apis.computeCallers).toEqual([{ kind: 'self-signed-jwt', email: SERVER_SA }]);
    expect(world.apis.requests.map((r) => r.path)).not.toContain('/token');
  });

  it('uses the key file named by GOOGLE_APPLICATION_CREDENTIALS without service_account_file', async () => {
    const file = await serviceAccountFile(world);
    await withAdcEnv({ GOOGLE_APPLICATION_CREDENTIALS: file }, async () => {
      const attestor = await server(world, { use_instance_metadata: true });
      await attestor.attest(await agentPayload(world), noChallenge);
    });
    expect(world.apis.computeCallers).toEqual([{ kind: 'self-signed-jwt', email: SERVER_SA }]);
    expect(world.metadata.requests.map((r) => r.path)).not.toContain(
      '/computeMetadata/v1/instance/service-accounts/default/token',
    );
  });

  it('reports a key Google does not know as InternalError with the HTTP status and message', async () => {
    // Same account name, but a key made by another fake: the Compute API has never seen its public key.
    const stranger = await FakeGoogleApis.create(world.apis.signers);
    await stranger.start();
    const path = join(world.dir, 'stranger.json');
    try {
      writeFileSync(path, JSON.stringify(await stranger.serviceAccountKeyFile(SERVER_SA, 'my-project')));
    } finally {
      await stranger.stop();
    }
    const attestor = await server(world, { use_instance_metadata: true, service_account_file: path });
    const attempt = attestor.attest(await agentPayload(world), noChallenge);
    await expect(attempt).rejects.toThrow(InternalError);
    await expect(attempt).rejects.toThrow(
      'gcp_iit: failed to fetch instance metadata: HTTP 401: Request is missing required authentication credential.',
    );
    expect(world.apis.computeCallers).toEqual([]);
  });

  it('reports an instance the Compute API does not have with its 404 message', async () => {
    world.apis.instances.clear();
    const file = await serviceAccountFile(world);
    const attestor = await server(world, { use_instance_metadata: true, service_account_file: file });
    await expect(attestor.attest(await agentPayload(world), noChallenge)).rejects.toThrow(
      /HTTP 404: The resource 'projects\/my-project\/zones\/us-central1-a\/instances\/web-1' was not found/,
    );
  });

  it('is Unavailable when Application Default Credentials find nothing', async () => {
    const payload = await agentPayload(world);
    const host = world.metadata.host;
    await world.metadata.stop();
    await withAdcEnv({ GCE_METADATA_HOST: host }, async () => {
      const attestor = await server(world, { use_instance_metadata: true });
      const attempt = attestor.attest(payload, noChallenge);
      await expect(attempt).rejects.toThrow(UnavailableError);
      await expect(attempt).rejects.toThrow(/Could not load the default credentials/);
    });
  });
});

describe('gcp_iit service_account_file checks', () => {
  const parse = (contents: string) => {
    const path = join(world.dir, 'key.json');
    writeFileSync(path, contents);
    return () => parseServerConfig({ projectid_allow_list: ['p'], service_account_file: path });
  };

  it('names the field and never quotes the file when it is not JSON', () => {
    const check = parse('-----BEGIN PRIVATE KEY----- secret');
    expect(check).toThrow(InvalidArgumentError);
    expect(check).toThrow('gcp_iit: plugin_data.service_account_file is not valid JSON');
  });

  it.each([
    ['an authorized_user file', { type: 'authorized_user', client_id: 'x', refresh_token: 'y' }],
    ['a key without client_email', { type: 'service_account', private_key: 'x' }],
    ['a JSON array', []],
  ])('refuses %s', (_name, doc) => {
    expect(parse(JSON.stringify(doc))).toThrow(
      'plugin_data.service_account_file must be a service_account key with client_email and private_key',
    );
  });

  it('refuses a private_key that is not PEM', () => {
    const check = parse(JSON.stringify({ type: 'service_account', client_email: 'a@b', private_key: 'k' }));
    expect(check).toThrow('plugin_data.service_account_file private_key is not a PEM private key');
  });
});
