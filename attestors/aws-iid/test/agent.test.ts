import { PermissionDeniedError, UnavailableError } from '@lanyard/base';
import { type AwsWorld, agentPayload, startWorld } from './helpers';

let world: AwsWorld;
beforeEach(async () => {
  world = await startWorld();
});
afterEach(async () => world.stop());

describe('aws_iid agent half over the fake IMDS', () => {
  it('uses an IMDSv2 session token on every metadata read', async () => {
    await agentPayload(world);
    const [put, ...gets] = world.imds.requests;
    expect(put).toMatchObject({ method: 'PUT', path: '/latest/api/token' });
    expect(put.headers['x-aws-ec2-metadata-token-ttl-seconds']).toBe('300');
    expect(gets.map((r) => r.path)).toEqual([
      '/latest/dynamic/instance-identity/document',
      '/latest/dynamic/instance-identity/signature',
      '/latest/dynamic/instance-identity/rsa2048',
    ]);
    expect(gets.every((r) => typeof r.headers['x-aws-ec2-metadata-token'] === 'string')).toBe(true);
  });

  it('the fake answers 401 to reads without a token, like IMDS with IMDSv2 required', async () => {
    const res = await fetch(`${world.imds.url}/latest/dynamic/instance-identity/document`);
    expect(res.status).toBe(401);
  });

  it('refuses to fall back to IMDSv1 unless imds_v1_fallback is set', async () => {
    world.imds.tokenEndpointDisabled = true;
    world.imds.allowImdsV1 = true;
    await expect(agentPayload(world)).rejects.toThrow(/HTTP 403 \(set imds_v1_fallback = true/);
    const payload = await agentPayload(world, { imds_v1_fallback: true });
    expect(JSON.parse(payload.toString()).document).toContain('i-0abc1234def567890');
  });

  it('reports a refused metadata read as PermissionDenied', async () => {
    world.imds.tokenEndpointDisabled = true;
    await expect(agentPayload(world, { imds_v1_fallback: true })).rejects.toThrow(PermissionDeniedError);
  });

  it('accepts SPIRE-style ec2_metadata_endpoint ending in /latest', async () => {
    await expect(
      agentPayload(world, { ec2_metadata_endpoint: `${world.imds.url}/latest` }),
    ).resolves.toBeInstanceOf(Buffer);
  });

  it('retries a transient 5xx answer', async () => {
    world.imds.failNext({ status: 503 });
    await expect(agentPayload(world)).resolves.toBeInstanceOf(Buffer);
  });

  it('gives up with a clear message when the metadata service is down', async () => {
    await world.imds.stop();
    const attempt = agentPayload(world);
    await expect(attempt).rejects.toThrow(UnavailableError);
    await expect(attempt).rejects.toThrow(
      /metadata service at http:\/\/127\.0\.0\.1:\d+ failed after 2 attempts/,
    );
  });

  it('gives up after bounded retries when the metadata service is too slow', async () => {
    world.imds.setDelay(1000);
    await expect(agentPayload(world, { metadata_timeout: '300ms' })).rejects.toThrow(
      /failed after 2 attempts: no answer within 300ms/,
    );
  });

  it('rejects unknown plugin_data keys', async () => {
    await expect(agentPayload(world, { ec2_metadata_endpoint_typo: 'x' })).rejects.toThrow(
      /aws_iid: unknown configuration detected: section "aws_iid plugin_data": keys ec2_metadata_endpoint_typo/,
    );
  });
});
