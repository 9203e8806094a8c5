import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AgentAttestorDeps, PluginData, ServerAttestorDeps } from '@lanyard/attestor-core';
import { silentLogger } from '@lanyard/attestor-core';
import { FakeAwsApi, FakeAwsImds, type FakeEc2Instance } from '@lanyard/test-support';
import { agentPlugin, serverPlugin } from '../src';

export const TRUST_DOMAIN = 'example.org';
export const CREDS = { accessKeyId: 'AKIAFAKEFAKEFAKE0001', secretAccessKey: 'fake/secret/key/for/tests' };
export const PROFILE_ARN = 'arn:aws:iam::123456789012:instance-profile/web-profile';
export const ROLE_ARN = 'arn:aws:iam::123456789012:role/web-role';

/** Everything one aws_iid test needs: the two fakes, a temp dir with the signer PEM, and the attested set. */
export interface AwsWorld {
  imds: FakeAwsImds;
  api: FakeAwsApi;
  dir: string;
  caPath: string;
  attested: Set<string>;
  stop(): Promise<void>;
}

/** A running instance matching the fake IMDS document, attached at the same time as its root volume. */
export function sampleInstance(instanceId: string): FakeEc2Instance {
  return {
    instanceId,
    imageId: 'ami-0123456789abcdef0',
    state: 'running',
    tags: { role: 'web', env: 'prod' },
    securityGroups: [{ id: 'sg-0aaa', name: 'web-sg' }],
    iamInstanceProfileArn: PROFILE_ARN,
    rootDeviceType: 'ebs',
    rootDeviceName: '/dev/xvda',
    rootAttachTime: '2026-11-24T06:00:05.000Z',
    eni0AttachTime: '2026-11-24T06:00:00.000Z',
  };
}

let signers: Promise<FakeAwsImds> | undefined;

/** Starts fresh fakes; the RSA signing keys are generated once per test file. */
export async function startWorld(): Promise<AwsWorld> {
  signers ??= FakeAwsImds.create();
  const imds = await FakeAwsImds.create(await signers);
  const api = new FakeAwsApi(CREDS);
  await Promise.all([imds.start(), api.start()]);
  api.instances.set(imds.document.instanceId, sampleInstance(imds.document.instanceId));
  api.instanceProfiles.set('web-profile', [ROLE_ARN]);
  const dir = mkdtempSync(join(tmpdir(), 'aws-iid-'));
  const caPath = join(dir, 'aws-signers.pem');
  writeFileSync(caPath, imds.signer.certPem + imds.signer2048.certPem);
  const attested = new Set<string>();
  return {
    imds,
    api,
    dir,
    caPath,
    attested,
    stop: async () => void (await Promise.all([imds.stop(), api.stop()])),
  };
}

export function serverDeps(world: AwsWorld): ServerAttestorDeps {
  return {
    trustDomain: TRUST_DOMAIN,
    logger: silentLogger,
    joinTokens: { consumeJoinToken: async () => undefined },
    attestedNodes: { isAttested: async (id) => world.attested.has(id) },
    now: () => Date.now(),
  };
}

export const agentDeps: AgentAttestorDeps = {
  trustDomain: TRUST_DOMAIN,
  logger: silentLogger,
  now: () => Date.now(),
};

export function serverConfig(world: AwsWorld, extra: PluginData = {}): PluginData {
  return {
    access_key_id: CREDS.accessKeyId,
    secret_access_key: CREDS.secretAccessKey,
    instance_identity_ca_path: world.caPath,
    ec2_endpoint: world.api.url,
    iam_endpoint: world.api.url,
    sts_endpoint: world.api.url,
    organizations_endpoint: world.api.url,
    eks_endpoint: world.api.url,
    autoscaling_endpoint: world.api.url,
    ...extra,
  };
}

export function agentConfig(world: AwsWorld, extra: PluginData = {}): PluginData {
  return { ec2_metadata_endpoint: world.imds.url, metadata_timeout: '5s', metadata_attempts: 2, ...extra };
}

/** Runs the agent half against the fake IMDS and returns its payload. */
export async function agentPayload(world: AwsWorld, extra: PluginData = {}): Promise<Buffer> {
  const agent = await agentPlugin.create(agentConfig(world, extra), agentDeps);
  return agent.payload();
}

/** Builds the server half with the standard test config plus `extra`. */
export async function server(world: AwsWorld, extra: PluginData = {}) {
  return serverPlugin.create(serverConfig(world, extra), serverDeps(world));
}

export const noChallenge = async (): Promise<Buffer> => {
  throw new Error('aws_iid must not send a challenge');
};
