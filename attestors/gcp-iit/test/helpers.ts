import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PluginData, ServerAttestorDeps } from '@lanyard/attestor-core';
import { silentLogger } from '@lanyard/attestor-core';
import { FakeGcpMetadata, FakeGoogleApis } from '@lanyard/test-support';
import { instance as sharedGaxios } from 'gaxios';
import { agentPlugin, serverPlugin } from '../src';

/*
 * Application Default Credentials on GCE reach the metadata server through gcp-metadata, which uses gaxios' shared
 * instance. Without a fetch given, gaxios loads node-fetch with a dynamic import(), which Jest's module VM cannot
 * run (plain Node can), so the tests hand it Node's own fetch.
 */
sharedGaxios.defaults.fetchImplementation = fetch;

/** The fakes one gcp_iit test uses, the attested-agent set and a settable clock. */
export interface GcpWorld {
  apis: FakeGoogleApis;
  metadata: FakeGcpMetadata;
  dir: string;
  attested: Set<string>;
  clock: { now: number };
  stop(): Promise<void>;
}

let apisTemplate: Promise<FakeGoogleApis> | undefined;

/** Starts fresh fakes; the Google signing key is generated once per test file. */
export async function startWorld(): Promise<GcpWorld> {
  apisTemplate ??= FakeGoogleApis.create();
  const apis = await FakeGoogleApis.create((await apisTemplate).signers.slice());
  const metadata = new FakeGcpMetadata(apis.signers[0], () => apis.issueAccessToken());
  await Promise.all([apis.start(), metadata.start()]);
  const id = metadata.identity;
  apis.instances.set(`${id.projectId}/${id.zone}/${id.instanceName}`, {
    id: id.instanceId,
    name: id.instanceName,
    zone: id.zone,
    project: id.projectId,
    tags: ['http-server', 'web'],
    labels: { team: 'payments', secret: 'nope' },
    metadata: { role: 'frontend', 'ssh-keys': 'not selected' },
    serviceAccounts: [id.serviceAccountEmail],
  });
  const dir = mkdtempSync(join(tmpdir(), 'gcp-iit-'));
  return {
    apis,
    metadata,
    dir,
    attested: new Set(),
    clock: { now: Date.now() },
    stop: async () => void (await Promise.all([apis.stop(), metadata.stop()])),
  };
}

export async function server(world: GcpWorld, extra: PluginData = {}) {
  const deps: ServerAttestorDeps = {
    trustDomain: 'example.org',
    logger: silentLogger,
    joinTokens: { consumeJoinToken: async () => undefined },
    attestedNodes: { isAttested: async (id) => world.attested.has(id) },
    now: () => world.clock.now,
  };
  const config = {
    projectid_allow_list: ['my-project'],
    google_certs_url: `${world.apis.url}/oauth2/v1/certs`,
    compute_endpoint: `${world.apis.url}/compute/v1/`,
    ...extra,
  };
  return serverPlugin.create(config, deps);
}

export async function agentPayload(world: GcpWorld, extra: PluginData = {}): Promise<Buffer> {
  const config = {
    identity_token_host: world.metadata.host,
    metadata_timeout: '300ms',
    metadata_attempts: 2,
    ...extra,
  };
  const agent = await agentPlugin.create(config, {
    trustDomain: 'example.org',
    logger: silentLogger,
    now: () => Date.now(),
  });
  return agent.payload();
}

/** Writes a service account key file registered with the fake token endpoint and returns its path. */
export async function serviceAccountFile(world: GcpWorld): Promise<string> {
  const key = await world.apis.serviceAccountKeyFile(
    'spire-server@my-project.iam.gserviceaccount.com',
    'my-project',
  );
  const path = join(world.dir, 'sa.json');
  writeFileSync(path, JSON.stringify(key));
  return path;
}

export const noChallenge = async (): Promise<Buffer> => {
  throw new Error('gcp_iit must not send a challenge');
};

export function decodeClaims(token: Buffer): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.toString().split('.')[1], 'base64url').toString()) as Record<
    string,
    unknown
  >;
}
