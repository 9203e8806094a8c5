import { readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { PassThrough } from 'node:stream';
import { parseConfigText, type CliIo } from '@lanyard/common';
import { helperConfigFromParsed, runDaemon } from '../src';
import { startWorkload, waitFor, WORKLOAD_ID, type TestWorkload } from './helpers';
import { startStsFake } from './sts-fake';

jest.setTimeout(60_000);

const ROLE = 'arn:aws:iam::111122223333:role/pay-api';

describe('aws_container_credentials (daemon)', () => {
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

  test('serves cached credentials with the Authorization equality check, as the SDK container provider reads them', async () => {
    const tokenFile = path.join(workload.dir, 'aws-container.token');
    const text = `agent_address = "${workload.server.socketPath}"
aws_container_credentials {
  role_arn = "${ROLE}"
  sts_endpoint = "${sts.url}"
  bind_port = 0
  authorization_token_file = "${tokenFile}"
}`;
    const config = helperConfigFromParsed(parseConfigText(text, { filename: 'helper.conf' }));
    const stderr = new PassThrough();
    let log = '';
    stderr.on('data', (c: Buffer) => (log += c.toString()));
    let stop!: (signal: string) => void;
    const io: CliIo = {
      stdout: new PassThrough(),
      stderr,
      env: {},
      stopSignal: () => new Promise((resolve) => (stop = resolve)),
    };
    const running = runDaemon(config, io);
    await waitFor(() => /AWS_CONTAINER_CREDENTIALS_FULL_URI=/.test(log), 'the endpoint');
    const url = /AWS_CONTAINER_CREDENTIALS_FULL_URI="?(http:\/\/127\.0\.0\.1:\d+\/v1\/credentials)/.exec(
      log,
    )?.[1];
    expect(url).toBeDefined();
    expect(statSync(tokenFile).mode & 0o777).toBe(0o600);
    const token = readFileSync(tokenFile, 'utf8');

    const ok = await fetch(url as string, { headers: { Authorization: token } });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({
      AccessKeyId: 'ASIAFAKE1',
      SecretAccessKey: 'secret&key',
      Token: 'session-1',
      Expiration: expect.any(String),
    });
    const again = await fetch(url as string, { headers: { Authorization: token } });
    expect(((await again.json()) as { AccessKeyId: string }).AccessKeyId).toBe('ASIAFAKE1');
    expect(sts.issued()).toBe(1);

    const wrong = await fetch(url as string, { headers: { Authorization: `${token}x` } });
    expect(wrong.status).toBe(401);
    expect(((await wrong.json()) as { Code: string }).Code).toBe('AccessDenied');
    const missing = await fetch(url as string);
    expect(missing.status).toBe(401);
    expect(log).not.toContain(token);
    stop('SIGTERM');
    expect(await running).toBe(0);
  });

  test('the config block names missing keys and a bad role ARN', () => {
    expect(() =>
      helperConfigFromParsed(
        parseConfigText('aws_container_credentials { role_arn = "nope" }', { filename: 'helper.conf' }),
      ),
    ).toThrow(/authorization_token_file must be configured[\s\S]*roleArn "nope"/);
  });
});
