import { statSync } from 'node:fs';
import * as path from 'node:path';
import { jwtPayload, runCli, startWorkload, WORKLOAD_ID, type TestWorkload } from './helpers';
import { startStsFake } from './sts-fake';

const ROLE = 'arn:aws:iam::111122223333:role/pay-api';

describe('aws credential-process', () => {
  let workload: TestWorkload;
  let sts: Awaited<ReturnType<typeof startStsFake>>;

  beforeEach(async () => {
    workload = await startWorkload();
    sts = await startStsFake({ roleArn: ROLE, audience: 'sts.amazonaws.com', subject: WORKLOAD_ID });
  });
  afterEach(async () => {
    await sts.close();
    await workload.close();
  });

  function args(...extra: string[]): string[] {
    return [
      'aws',
      'credential-process',
      '-roleArn',
      ROLE,
      '-stsEndpoint',
      sts.url,
      '-agentAddress',
      workload.server.address,
      '-cacheDir',
      path.join(workload.dir, 'cache'),
      ...extra,
    ];
  }

  test('prints Version 1 JSON after an unsigned AssumeRoleWithWebIdentity with the JWT-SVID', async () => {
    const result = await runCli(args());
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const output = JSON.parse(result.stdout);
    expect(output).toEqual({
      Version: 1,
      AccessKeyId: 'ASIAFAKE1',
      SecretAccessKey: 'secret&key',
      SessionToken: 'session-1',
      Expiration: expect.any(String),
    });
    expect(new Date(output.Expiration).getTime()).toBeGreaterThan(Date.now());
    const form = new URLSearchParams(sts.requests[0].body);
    expect(sts.requests[0].headers['content-type']).toBe('application/x-www-form-urlencoded; charset=utf-8');
    expect(form.get('RoleSessionName')).toBe('example.org-ns-pay-sa-api');
    const claims = jwtPayload(form.get('WebIdentityToken') ?? '');
    expect(claims.sub).toBe(WORKLOAD_ID);
    expect(claims.aud).toEqual(['sts.amazonaws.com']);
  });

  test('reuses cached credentials (file 0600) until shortly before expiry, then exchanges again', async () => {
    const first = await runCli(args());
    const second = await runCli(args());
    expect(second.stdout).toBe(first.stdout);
    expect(sts.issued()).toBe(1);
    const cacheDir = path.join(workload.dir, 'cache');
    expect(statSync(cacheDir).mode & 0o777).toBe(0o700);
    const noCache = await runCli(args('-no-cache'));
    expect(JSON.parse(noCache.stdout).AccessKeyId).toBe('ASIAFAKE2');
    expect(sts.issued()).toBe(2);
  });

  test('credentials within the refresh margin are not reused', async () => {
    await sts.close();
    sts = await startStsFake({
      roleArn: ROLE,
      audience: 'sts.amazonaws.com',
      subject: WORKLOAD_ID,
      lifetimeSeconds: 300,
    });
    await runCli(args());
    const again = await runCli(args());
    expect(JSON.parse(again.stdout).AccessKeyId).toBe('ASIAFAKE2');
  });

  test('a refused exchange prints the cloud code and the claim, exit 1, no stack trace', async () => {
    const result = await runCli(args('-audience', 'wrong-audience'));
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(
      'lanyard-helper: aws sts: InvalidIdentityToken: Incorrect token audience ' +
        '(claim that did not match: aud "wrong-audience")\n',
    );
    const denied = await runCli(args('-roleArn', 'arn:aws:iam::111122223333:role/other'));
    expect(denied.code).toBe(1);
    expect(denied.stderr).toContain('aws sts: AccessDenied: Not authorized');
    expect(denied.stderr).not.toMatch(/\n\s+at /);
  });

  test('bad flags name the flag', async () => {
    const noRole = await runCli(['aws', 'credential-process', '-stsEndpoint', sts.url]);
    expect(noRole.code).toBe(1);
    expect(noRole.stderr).toContain('roleArn is required');
    const badArn = await runCli(args('-roleArn', 'role/x'));
    expect(badArn.stderr).toContain('roleArn "role/x" is not an IAM role ARN');
    const badSession = await runCli(args('-sessionName', 'a:b'));
    expect(badSession.stderr).toContain('sessionName "a:b"');
    expect(sts.requests).toHaveLength(0);
  });

  test('no Workload API identity fails with exit 1 and the agent message', async () => {
    workload.server.setJwtIdentities([]);
    const result = await runCli(args('-no-cache'));
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^lanyard-helper: .*no identity issued/);
  });
});
