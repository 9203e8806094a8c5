import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import { PassThrough } from 'node:stream';
import { runCli, type CliIo } from '../src/cli';
import {
  TD,
  agentDir,
  agentHcl,
  createEntry,
  createToken,
  eventually,
  startTestServer,
  type TestServer,
} from './harness';

jest.setTimeout(60_000);

interface TestIo extends CliIo {
  out(): string;
  err(): string;
  stop(): void;
}

function testIo(): TestIo {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c: Buffer) => (out += c.toString()));
  stderr.on('data', (c: Buffer) => (err += c.toString()));
  let stop: (signal: string) => void = () => undefined;
  const signal = new Promise<string>((resolve) => (stop = resolve));
  return {
    stdout,
    stderr,
    env: {},
    stopSignal: () => signal,
    out: () => out,
    err: () => err,
    stop: () => stop('SIGTERM'),
  };
}

function writeConfig(ts: TestServer, dir: string, extra = ''): string {
  const file = path.join(dir, 'agent.conf');
  const hcl = agentHcl(ts, dir, { extra: `  log_file = "${path.join(dir, 'agent.log')}"\n${extra}` });
  fs.writeFileSync(
    file,
    hcl.replace(
      'plugins {',
      `health_checks {\n  listener_enabled = true\n  bind_address = "127.0.0.1"\n  bind_port = 0\n}\n` +
        `telemetry {\n  Prometheus {\n    host = "127.0.0.1"\n    port = 0\n  }\n}\nplugins {`,
    ),
  );
  return file;
}

function get(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      })
      .on('error', reject);
  });
}

let ts: TestServer;
beforeAll(async () => {
  ts = await startTestServer();
});
afterAll(async () => {
  await ts.stop();
});

test('validate reports a valid config and an invalid one in SPIRE words', async () => {
  const dir = agentDir();
  const file = writeConfig(ts, dir);
  const ok = testIo();
  expect(await runCli(['validate', '-config', file], ok)).toBe(0);
  expect(ok.out()).toBe('SPIRE agent configuration file is valid.\n');
  fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('trust_domain', 'trust_domian'));
  const bad = testIo();
  expect(await runCli(['validate', '-config', file], bad)).toBe(1);
  expect(bad.err()).toMatch(/^SPIRE agent configuration file is invalid: .*unknown configuration detected/);
  const missing = testIo();
  expect(await runCli(['validate', '-config', path.join(dir, 'none.conf')], missing)).toBe(1);
  expect(missing.err()).toContain('could not find config file');
});

test('healthcheck without an agent is unhealthy', async () => {
  const io = testIo();
  expect(
    await runCli(['healthcheck', '-socketPath', path.join(agentDir(), 'none.sock'), '-verbose'], io),
  ).toBe(1);
  expect(io.out()).toBe('Checking agent health...\n');
  expect(io.err()).toContain('Agent is unhealthy: unable to determine health');
});

test('run serves the Workload API, health, /live and /ready, then stops gracefully on SIGTERM', async () => {
  const dir = agentDir();
  const file = writeConfig(ts, dir);
  const token = await createToken(ts.admin);
  const io = testIo();
  const running = runCli(['run', '-config', file, '-joinToken', token], io);
  const socket = path.join(dir, 'public', 'api.sock');
  await eventually('the health check', async () => {
    const hc = testIo();
    return (await runCli(['healthcheck', '-socketPath', socket], hc)) === 0 ? hc.out() : undefined;
  });
  const hc = testIo();
  await runCli(['healthcheck', '-socketPath', socket], hc);
  expect(hc.out()).toBe('Agent is healthy.\n');
  const log = (): string => fs.readFileSync(path.join(dir, 'agent.log'), 'utf8');
  const agentId = `spiffe://${TD}/spire/agent/join_token/${token}`;
  await createEntry(ts.admin, {
    parentId: agentId,
    spiffeId: `spiffe://${TD}/cli/app`,
    selectors: ['unix:uid:0'],
  });
  const out = path.join(dir, 'svid');
  fs.mkdirSync(out);
  await eventually('an SVID over the Workload API', async () => {
    const fetch = testIo();
    return (await runCli(['api', 'fetch', 'x509', '-socketPath', socket, '-write', out], fetch)) === 0
      ? true
      : undefined;
  });
  const verified = execFileSync('openssl', [
    'verify',
    '-CAfile',
    path.join(out, 'bundle.0.pem'),
    path.join(out, 'svid.0.pem'),
  ]);
  expect(verified.toString()).toContain('svid.0.pem: OK');
  const health = /msg="Serving health checks" address="?([\d.]+:\d+)/.exec(log());
  expect(health).not.toBeNull();
  expect(await get(`http://${health![1]}/live`)).toMatchObject({ status: 200 });
  const ready = await get(`http://${health![1]}/ready`);
  expect(ready.status).toBe(200);
  expect(JSON.parse(ready.body)).toHaveProperty('agent');
  const metrics = /msg="Serving Prometheus metrics" address="?([\d.]+:\d+)/.exec(log());
  expect((await get(`http://${metrics![1]}/metrics`)).body).toMatch(
    /^spire_agent_started\{[^}]*version="0.1.0"[^}]*\} 1$/m,
  );
  expect(log()).toContain('Starting Workload and SDS APIs');
  expect(log()).not.toContain(token);
  io.stop();
  expect(await running).toBe(0);
  await eventually('the last log line to be flushed', () =>
    log().includes('Agent stopped gracefully') ? true : undefined,
  );
  expect(fs.existsSync(socket)).toBe(false);
});

test('run accepts the pod-spec flags: -logSourceLocation, -disableWorkloadAPI, -rebootstrapMode, -rebootstrapDelay', async () => {
  const dir = agentDir();
  const file = writeConfig(ts, dir);
  const token = await createToken(ts.admin);
  const io = testIo();
  const flags = [
    '-logSourceLocation',
    '-disableWorkloadAPI',
    '-rebootstrapMode',
    'never',
    '-rebootstrapDelay',
    '5m',
  ];
  const running = runCli(['run', '-config', file, '-joinToken', token, ...flags], io);
  const socket = path.join(dir, 'public', 'api.sock');
  await eventually('the health check', async () =>
    (await runCli(['healthcheck', '-socketPath', socket], testIo())) === 0 ? true : undefined,
  );
  const log = (): string => fs.readFileSync(path.join(dir, 'agent.log'), 'utf8');
  // SDS stays on the socket; the Workload API is off.
  const fetch = testIo();
  expect(await runCli(['api', 'fetch', 'x509', '-socketPath', socket], fetch)).not.toBe(0);
  expect(fetch.err()).toMatch(/unimplemented|UNIMPLEMENTED|12/i);
  // Every line names the agent source that logged it.
  const ready = log()
    .split('\n')
    .find((line) => line.includes('msg="Agent is ready"'));
  expect(ready).toMatch(/ file="[^"]*agent[\\/]src[\\/]agent\.ts:\d+" func="?[\w.<>]+"?/);
  io.stop();
  expect(await running).toBe(0);
  expect(io.err()).toBe('');
});

test('run refuses a bad -rebootstrapMode or -rebootstrapDelay in SPIRE words', async () => {
  const dir = agentDir();
  const file = writeConfig(ts, dir);
  const mode = testIo();
  expect(await runCli(['run', '-config', file, '-rebootstrapMode', 'sometimes'], mode)).toBe(1);
  expect(mode.err()).toContain('unknown rebootstrap mode specified: sometimes');
  const delay = testIo();
  expect(await runCli(['run', '-config', file, '-rebootstrapDelay', 'soon'], delay)).toBe(1);
  expect(delay.err()).toContain('error parsing rebootstrap delay duration');
});

test('rebootstrap_mode "always" refuses a join-token agent (not re-attestable); "auto" starts with a warning', async () => {
  const always = testIo();
  const dir = agentDir();
  const file = writeConfig(ts, dir);
  const token = await createToken(ts.admin);
  expect(
    await runCli(['run', '-config', file, '-joinToken', token, '-rebootstrapMode', 'always'], always),
  ).toBe(1);
  expect(always.err()).toContain(
    'you have requested rebootstrap support but the NodeAttestor plugin or the spire server configuration is not allowing it',
  );
  const auto = testIo();
  const running = runCli(['run', '-config', file, '-rebootstrapMode', 'auto'], auto);
  const socket = path.join(dir, 'public', 'api.sock');
  await eventually('the health check', async () =>
    (await runCli(['healthcheck', '-socketPath', socket], testIo())) === 0 ? true : undefined,
  );
  const log = fs.readFileSync(path.join(dir, 'agent.log'), 'utf8');
  expect(log).toContain('is not allowing it. Disabling');
  auto.stop();
  expect(await running).toBe(0);
});
