import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatSelector } from '@lanyard/attestor-core';
import { InvalidArgumentError, PermissionDeniedError } from '@lanyard/base';
import { createSigningIdentity } from '@lanyard/test-support';
import { type AwsWorld, CREDS, ROLE_ARN, agentPayload, noChallenge, server, startWorld } from './helpers';

let world: AwsWorld;
beforeEach(async () => {
  world = await startWorld();
});
afterEach(async () => world.stop());

const AGENT_ID = 'spiffe://example.org/spire/agent/aws_iid/123456789012/us-east-1/i-0abc1234def567890';

function editPayload(payload: Buffer, edit: (data: Record<string, string>) => void): Buffer {
  const data = JSON.parse(payload.toString('utf8')) as Record<string, string>;
  edit(data);
  return Buffer.from(JSON.stringify(data));
}

describe('aws_iid agent ↔ server', () => {
  it('attests with the rsa2048 PKCS#7 and derives the agent ID and every selector', async () => {
    const result = await (await server(world)).attest(await agentPayload(world), noChallenge);
    expect(result.agentId).toBe(AGENT_ID);
    expect(result.canReattest).toBe(false);
    expect(result.selectors.map(formatSelector)).toEqual([
      'aws_iid:account_id:123456789012',
      'aws_iid:az:us-east-1a',
      `aws_iid:iamrole:${ROLE_ARN}`,
      'aws_iid:image:id:ami-0123456789abcdef0',
      'aws_iid:instance:id:i-0abc1234def567890',
      'aws_iid:region:us-east-1',
      'aws_iid:sg:id:sg-0aaa',
      'aws_iid:sg:name:web-sg',
      'aws_iid:tag:env:prod',
      'aws_iid:tag:role:web',
    ]);
  });

  it('sends SPIRE field names and signs the EC2 and IAM calls with SigV4', async () => {
    const payload = JSON.parse((await agentPayload(world)).toString('utf8')) as Record<string, string>;
    expect(Object.keys(payload).sort()).toEqual(['document', 'rsa2048', 'signature']);
    expect(JSON.parse(payload.document)).toMatchObject({ accountId: '123456789012', region: 'us-east-1' });
    await (await server(world)).attest(Buffer.from(JSON.stringify(payload)), noChallenge);
    expect(world.api.calls.map((c) => `${c.caller.service}:${c.action}`)).toEqual([
      'ec2:DescribeInstances',
      'iam:GetInstanceProfile',
    ]);
    expect(world.api.calls[0].caller.region).toBe('us-east-1');
  });

  it('verifies the SHA256-RSA signature when no rsa2048 is sent', async () => {
    const payload = editPayload(await agentPayload(world), (d) => delete d.rsa2048);
    await expect((await server(world)).attest(payload, noChallenge)).resolves.toMatchObject({
      agentId: AGENT_ID,
    });
  });

  it('refuses a tampered document (rsa2048 content mismatch)', async () => {
    const payload = editPayload(await agentPayload(world), (d) => {
      d.document = d.document.replace('123456789012', '999999999999');
    });
    const attempt = (await server(world)).attest(payload, noChallenge);
    await expect(attempt).rejects.toThrow(PermissionDeniedError);
    await expect(attempt).rejects.toThrow(/does not match the content of the rsa2048 signature/);
    expect(world.api.calls).toHaveLength(0);
  });

  it('refuses a tampered document signed only with the RSA signature', async () => {
    const payload = editPayload(await agentPayload(world), (d) => {
      delete d.rsa2048;
      d.document = d.document.replace('i-0abc1234def567890', 'i-0fffffffffffffff0');
    });
    await expect((await server(world)).attest(payload, noChallenge)).rejects.toThrow(
      /signature does not verify with any trusted AWS certificate/,
    );
  });

  it('refuses documents signed by a key the server does not trust', async () => {
    const other = await createSigningIdentity({ commonName: 'not aws' });
    const otherPath = join(world.dir, 'other.pem');
    writeFileSync(otherPath, other.certPem);
    const attestor = await server(world, { instance_identity_ca_path: otherPath });
    const payload = await agentPayload(world);
    await expect(attestor.attest(payload, noChallenge)).rejects.toThrow(PermissionDeniedError);
    const rsaOnly = editPayload(payload, (d) => delete d.rsa2048);
    await expect(attestor.attest(rsaOnly, noChallenge)).rejects.toThrow(PermissionDeniedError);
  });

  it('refuses a second attestation of an attested instance (TOFU) and allows it after eviction', async () => {
    const attestor = await server(world);
    world.attested.add(AGENT_ID);
    await expect(attestor.attest(await agentPayload(world), noChallenge)).rejects.toThrow(
      /already been used to attest an agent/,
    );
    world.attested.delete(AGENT_ID);
    await expect(attestor.attest(await agentPayload(world), noChallenge)).resolves.toMatchObject({
      agentId: AGENT_ID,
    });
  });

  it('refuses an account outside verify_organization.account_list_file', async () => {
    const list = join(world.dir, 'accounts.json');
    writeFileSync(list, JSON.stringify(['111111111111']));
    const attestor = await server(world, { verify_organization: { account_list_file: list } });
    await expect(attestor.attest(await agentPayload(world), noChallenge)).rejects.toThrow(
      /account 123456789012 is not part of the configured organization/,
    );
    writeFileSync(list, JSON.stringify(['123456789012']));
    const fresh = await server(world, { verify_organization: { account_list_file: list } });
    await expect(fresh.attest(await agentPayload(world), noChallenge)).resolves.toMatchObject({
      agentId: AGENT_ID,
    });
  });

  it.each([
    ['non-JSON', Buffer.from('not json'), /payload is not JSON/],
    ['oversized', Buffer.alloc(70 * 1024, 0x20), /more than the 65536 allowed/],
    ['empty', Buffer.alloc(0), /missing attestation payload/],
    ['unsigned', Buffer.from(JSON.stringify({ document: '{}' })), /signature is required/],
    [
      'non-JSON document',
      Buffer.from(JSON.stringify({ document: 'x', signature: 'AAAA' })),
      /document is not valid JSON/,
    ],
    [
      'bad base64',
      Buffer.from(
        JSON.stringify({
          document: '{"accountId":"1","region":"r","instanceId":"i","imageId":"a","availabilityZone":"z"}',
          signature: '!!',
        }),
      ),
      /signature is not base64/,
    ],
  ])('refuses a %s payload with InvalidArgument before any AWS call', async (_name, payload, reason) => {
    const attempt = (await server(world)).attest(payload, noChallenge);
    await expect(attempt).rejects.toThrow(InvalidArgumentError);
    await expect(attempt).rejects.toThrow(reason);
    expect(world.api.requests).toHaveLength(0);
  });

  it('refuses when the root volume was attached long after the network interface (block device check)', async () => {
    world.api.instances.get(world.imds.document.instanceId)!.rootAttachTime = '2026-11-24T06:10:00.000Z';
    const payload = await agentPayload(world);
    await expect((await server(world)).attest(payload, noChallenge)).rejects.toThrow(/differ by 600 seconds/);
    await expect(
      (await server(world, { skip_block_device: true })).attest(payload, noChallenge),
    ).resolves.toBeDefined();
    const local = await server(world, { account_ids_for_local_validation: ['123456789012'] });
    await expect(local.attest(payload, noChallenge)).resolves.toBeDefined();
  });

  it('assumes the configured role and makes the EC2 calls with its credentials', async () => {
    const roleArn = 'arn:aws:iam::123456789012:role/spire-server-delegate';
    world.api.assumableRoles.add(roleArn);
    const attestor = await server(world, { assume_role: 'spire-server-delegate' });
    await attestor.attest(await agentPayload(world), noChallenge);
    const [assume, describe] = world.api.calls;
    expect(assume.action).toBe('AssumeRole');
    expect(assume.params.get('RoleArn')).toBe(roleArn);
    expect(assume.caller.accessKeyId).toBe(CREDS.accessKeyId);
    expect(world.api.roleOf(describe.caller.accessKeyId)).toBe(roleArn);
  });

  it('fails when the role cannot be assumed', async () => {
    const attestor = await server(world, { assume_role: 'nobody' });
    await expect(attestor.attest(await agentPayload(world), noChallenge)).rejects.toThrow(
      /failed: AccessDenied/,
    );
  });

  it('skips the IAM call and iamrole selectors with disable_instance_profile_selectors', async () => {
    const attestor = await server(world, { disable_instance_profile_selectors: true });
    const result = await attestor.attest(await agentPayload(world), noChallenge);
    expect(result.selectors.some((s) => s.value.startsWith('iamrole:'))).toBe(false);
    expect(world.api.calls.map((c) => c.action)).toEqual(['DescribeInstances']);
  });

  it('renders agent_path_template with tags', async () => {
    const attestor = await server(world, {
      agent_path_template: '/{{ .PluginName }}/{{ .Tags.role }}/{{ .InstanceID }}',
    });
    const result = await attestor.attest(await agentPayload(world), noChallenge);
    expect(result.agentId).toBe('spiffe://example.org/spire/agent/aws_iid/web/i-0abc1234def567890');
  });

  it('refuses an instance EC2 does not report as running', async () => {
    world.api.instances.get(world.imds.document.instanceId)!.state = 'terminated';
    await expect((await server(world)).attest(await agentPayload(world), noChallenge)).rejects.toThrow(
      /returned no running instance/,
    );
  });

  it('reports AWS rejecting the server credentials', async () => {
    const attestor = await server(world, { secret_access_key: 'wrong' });
    await expect(attestor.attest(await agentPayload(world), noChallenge)).rejects.toThrow(
      /ec2 DescribeInstances failed: SignatureDoesNotMatch/,
    );
  });
});
