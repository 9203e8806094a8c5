import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FailedPreconditionError, UnavailableError } from '@lanyard/base';
import { type AwsWorld, CREDS, agentPayload, noChallenge, server, startWorld } from './helpers';

/** Environment of the SDK's credential chain, cleared for each test and restored after. */
const CHAIN_ENV = [
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_PROFILE',
  'AWS_WEB_IDENTITY_TOKEN_FILE',
  'AWS_ROLE_ARN',
  'AWS_ROLE_SESSION_NAME',
  'AWS_SHARED_CREDENTIALS_FILE',
  'AWS_CONFIG_FILE',
  'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
  'AWS_CONTAINER_CREDENTIALS_FULL_URI',
  'AWS_EC2_METADATA_DISABLED',
  'AWS_EC2_METADATA_SERVICE_ENDPOINT',
];

let world: AwsWorld;
let saved: Record<string, string | undefined>;
beforeEach(async () => {
  world = await startWorld();
  saved = Object.fromEntries(CHAIN_ENV.map((name) => [name, process.env[name]]));
  for (const name of CHAIN_ENV) delete process.env[name];
  // No shared files, and never the link-local instance metadata address: only the loopback fakes are called.
  process.env.AWS_SHARED_CREDENTIALS_FILE = join(world.dir, 'no-credentials');
  process.env.AWS_CONFIG_FILE = join(world.dir, 'no-config');
  process.env.AWS_EC2_METADATA_DISABLED = 'true';
});
afterEach(async () => {
  for (const [name, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  await world.stop();
});

const noKeys = { access_key_id: undefined, secret_access_key: undefined };

describe('aws_iid credentials through the AWS SDK chain', () => {
  it('uses AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY from the environment when plugin_data has no keys', async () => {
    process.env.AWS_ACCESS_KEY_ID = CREDS.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = CREDS.secretAccessKey;
    const attestor = await server(world, noKeys);
    await attestor.attest(await agentPayload(world), noChallenge);
    expect(world.api.calls.map((c) => c.caller.accessKeyId)).toEqual([CREDS.accessKeyId, CREDS.accessKeyId]);
  });

  it('uses a web identity token (EKS service account) through STS AssumeRoleWithWebIdentity', async () => {
    const roleArn = 'arn:aws:iam::123456789012:role/spire-server-irsa';
    const tokenFile = join(world.dir, 'token');
    writeFileSync(tokenFile, 'projected-service-account-token');
    world.api.webIdentityTokens.set('projected-service-account-token', roleArn);
    process.env.AWS_WEB_IDENTITY_TOKEN_FILE = tokenFile;
    process.env.AWS_ROLE_ARN = roleArn;
    const attestor = await server(world, noKeys);
    await attestor.attest(await agentPayload(world), noChallenge);
    const [assume, describe, profile] = world.api.calls;
    expect(assume.action).toBe('AssumeRoleWithWebIdentity');
    expect(describe.action).toBe('DescribeInstances');
    expect(world.api.roleOf(describe.caller.accessKeyId)).toBe(roleArn);
    expect(world.api.roleOf(profile.caller.accessKeyId)).toBe(roleArn);
  });

  it('uses the EC2 instance role from the instance metadata service (IMDSv2)', async () => {
    world.imds.instanceRole = { name: 'spire-server-role', ...CREDS, sessionToken: 'instance-role-session' };
    delete process.env.AWS_EC2_METADATA_DISABLED;
    process.env.AWS_EC2_METADATA_SERVICE_ENDPOINT = world.imds.url;
    const attestor = await server(world, noKeys);
    await attestor.attest(await agentPayload(world), noChallenge);
    const roleReads = world.imds.requests.filter((r) => r.path.includes('/iam/security-credentials/'));
    expect(roleReads.map((r) => r.path)).toContain(
      '/latest/meta-data/iam/security-credentials/spire-server-role',
    );
    expect(roleReads.every((r) => typeof r.headers['x-aws-ec2-metadata-token'] === 'string')).toBe(true);
    expect(world.api.calls.map((c) => c.caller.accessKeyId)).toEqual([CREDS.accessKeyId, CREDS.accessKeyId]);
    expect(world.api.requests[0].headers['x-amz-security-token']).toBe('instance-role-session');
  });

  it('assumes assume_role with chain credentials', async () => {
    process.env.AWS_ACCESS_KEY_ID = CREDS.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = CREDS.secretAccessKey;
    const roleArn = 'arn:aws:iam::123456789012:role/spire-server-delegate';
    world.api.assumableRoles.add(roleArn);
    const attestor = await server(world, { ...noKeys, assume_role: 'spire-server-delegate' });
    await attestor.attest(await agentPayload(world), noChallenge);
    expect(world.api.calls[0]).toMatchObject({
      action: 'AssumeRole',
      caller: { accessKeyId: CREDS.accessKeyId },
    });
    expect(world.api.roleOf(world.api.calls[1].caller.accessKeyId)).toBe(roleArn);
  });

  it('fails with FailedPrecondition when no source has credentials', async () => {
    const attestor = await server(world, noKeys);
    const attempt = attestor.attest(await agentPayload(world), noChallenge);
    await expect(attempt).rejects.toThrow(FailedPreconditionError);
    await expect(attempt).rejects.toThrow(/no AWS credentials: set access_key_id and secret_access_key/);
    expect(world.api.requests).toHaveLength(0);
  });

  it('reports an unreachable AWS endpoint as Unavailable', async () => {
    const attestor = await server(world, { aws_timeout: '2s' });
    const payload = await agentPayload(world);
    await world.api.stop();
    const attempt = attestor.attest(payload, noChallenge);
    await expect(attempt).rejects.toThrow(UnavailableError);
    await expect(attempt).rejects.toThrow(/ec2 DescribeInstances failed/);
  });
});
