/**
 * The agent's Logger API on its admin socket (real agent attested against a real server): `lanyard-agent
 * logger get|set|reset` change what the running agent logs.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { unary } from '@lanyard/base/grpc';
import { logLevelControl } from '@lanyard/common';
import { loadSpireAgentApis } from '@lanyard/proto';
import { Agent } from '../../src/agent';
import { runCli } from '../../src/cli';
import {
  TD,
  LogCapture,
  agentConfig,
  agentDir,
  createEntry,
  createToken,
  eventually,
  startTestServer,
  type TestServer,
} from '../harness';
import { testIo } from './cli-io';

jest.setTimeout(60_000);

let ts: TestServer;
let agent: Agent;
let dir: string;
let adminSocket: string;
let token: string;
const log = new LogCapture('info');

beforeAll(async () => {
  ts = await startTestServer();
  dir = agentDir();
  adminSocket = path.join(dir, 'private', 'admin.sock');
  token = await createToken(ts.admin);
  const config = agentConfig(ts, dir, token, { extra: `  admin_socket_path = "${adminSocket}"` });
  agent = await Agent.start({ config, logger: log.logger, logLevel: logLevelControl(log.logger) });
});

afterAll(async () => {
  await agent?.stop();
  await ts.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Runs `lanyard-agent logger <args> -socketPath <admin socket>` in-process. */
async function loggerCli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const io = testIo();
  const code = await runCli(['logger', ...args, '-socketPath', adminSocket], io);
  return { code, out: io.out(), err: io.err() };
}

/** Adds an entry for this agent and waits until the agent holds an SVID for it. */
async function addEntryAndSync(name: string): Promise<void> {
  const before = agent.cache.svidCount;
  await createEntry(ts.admin, {
    parentId: `spiffe://${TD}/spire/agent/join_token/${token}`,
    spiffeId: `spiffe://${TD}/logger/${name}`,
    selectors: [`unix:uid:${5000 + before}`],
  });
  await eventually(`an SVID for ${name}`, () => (agent.cache.svidCount > before ? true : undefined));
}

/** Debug lines of entry cache updates, from a poll or from a pushed change (whichever came first). */
const updates = (): number =>
  (log.text.match(/msg="Entry cache updated(?: from a pushed change)?"/g) ?? []).length;

test('set debug makes the agent write its debug lines; reset silences them', async () => {
  expect(await loggerCli(['get'])).toEqual({
    code: 0,
    out: 'Logger Level : info\nLaunch Level : info\n\n',
    err: '',
  });
  await addEntryAndSync('before');
  expect(updates()).toBe(0);

  expect((await loggerCli(['set', '-level', 'debug'])).out).toBe(
    'Logger Level : debug\nLaunch Level : info\n\n',
  );
  await addEntryAndSync('debugging');
  await eventually('a debug line', () => (updates() > 0 ? true : undefined));
  expect(log.text).toMatch(/level=debug msg="Entry cache updated(?: from a pushed change)?" added=1 /);

  expect((await loggerCli(['reset'])).out).toBe('Logger Level : info\nLaunch Level : info\n\n');
  const seen = updates();
  await addEntryAndSync('after');
  expect(updates()).toBe(seen);
});

test('-output json prints the protojson of spire.api.types.Logger', async () => {
  const set = await loggerCli(['set', '-level', 'WARN', '-output', 'json']);
  expect(set).toEqual({ code: 0, out: '{"current_level":"WARN","launch_level":"INFO"}\n', err: '' });
  expect((await loggerCli(['get', '-output', 'json'])).out).toBe(
    '{"current_level":"WARN","launch_level":"INFO"}\n',
  );
  expect((await loggerCli(['reset', '-output', 'json'])).out).toBe(
    '{"current_level":"INFO","launch_level":"INFO"}\n',
  );
});

test('a missing or unknown -level fails with SPIRE messages before calling the agent', async () => {
  expect(await loggerCli(['set'])).toEqual({
    code: 1,
    out: '',
    err: 'Error: a value (-level) must be set\n',
  });
  expect(await loggerCli(['set', '-level', 'loud'])).toEqual({
    code: 1,
    out: '',
    err: 'Error: the value "loud" is not a valid setting\n',
  });
});

test('the API refuses UNSPECIFIED with InvalidArgument and keeps the level', async () => {
  const Logger = loadSpireAgentApis().spire.api.agent.logger.v1.Logger;
  const client = new Logger(`unix:${adminSocket}`, grpc.credentials.createInsecure());
  try {
    const err = await unary((options, cb) =>
      client.SetLogLevel({ new_level: 'UNSPECIFIED' }, options, cb),
    ).catch((e: grpc.ServiceError) => e);
    expect(err).toMatchObject({
      code: grpc.status.INVALID_ARGUMENT,
      details: 'newLevel value cannot be LogLevel_UNSPECIFIED',
    });
    const now = await unary<{ current_level: string }>((options, cb) => client.GetLogger({}, options, cb));
    expect(now.current_level).toBe('INFO');
  } finally {
    client.close();
  }
});

test('an unreachable socket prints the wrapped RPC error', async () => {
  const io = testIo();
  const missing = path.join(dir, 'nowhere', 'admin.sock');
  expect(await runCli(['logger', 'get', '-socketPath', missing], io)).toBe(1);
  expect(io.err()).toMatch(/^Error: error fetching logger: rpc error: code = Unavailable desc = /);
});
