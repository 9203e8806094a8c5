import { spawn, type ChildProcess } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { formatSelector, silentLogger, type PluginData } from '@lanyard/attestor-core';
import { InternalError, InvalidArgumentError } from '@lanyard/base';
import { parseConfigText, withKeyPositions } from '@lanyard/common';
import {
  UnixWorkloadAttestor,
  parseNameDatabase,
  parseProcStatus,
  parseUnixConfig,
  workloadPlugin,
} from '../src';

/** Tests that start processes under other uids with setpriv need root (as in CI). */
const asRoot = process.getuid?.() === 0 ? test : test.skip;

const children: ChildProcess[] = [];
let dir: string;

/** Starts `sleep` under setpriv with the given arguments and waits until it runs as the target. */
async function startAs(setprivArgs: string[]): Promise<number> {
  const child = spawn('setpriv', [...setprivArgs, 'sleep', '30'], { stdio: 'ignore' });
  children.push(child);
  const pid = child.pid!;
  for (let i = 0; i < 200; i++) {
    const exe = fs.readlinkSync(`/proc/${pid}/exe`);
    if (exe.endsWith('/sleep')) return pid;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error('child did not exec sleep');
}

async function selectorsOf(attestor: UnixWorkloadAttestor, pid: number): Promise<string[]> {
  return (await attestor.attest({ pid, uid: -1, gid: -1 })).map(formatSelector);
}

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lanyard-unix-'));
  fs.writeFileSync(
    path.join(dir, 'passwd'),
    '# users\nalice:x:41234:42345::/home/alice:/bin/sh\nbroken line\n',
  );
  fs.writeFileSync(path.join(dir, 'group'), 'staff:x:42345:\nops:x:43456:alice\ndev:x:44567:\n');
});

afterAll(() => {
  for (const child of children) child.kill('SIGKILL');
  fs.rmSync(dir, { recursive: true, force: true });
});

const plain = { discoverWorkloadPath: false, workloadSizeLimit: 0 };

test('the test process itself (root) gets uid, user, gid and group selectors from the real /etc files', async () => {
  const selectors = await selectorsOf(new UnixWorkloadAttestor(plain), process.pid);
  expect(selectors).toEqual(
    expect.arrayContaining([`unix:uid:${process.geteuid!()}`, `unix:gid:${process.getegid!()}`]),
  );
  if (process.geteuid!() === 0)
    expect(selectors).toEqual(expect.arrayContaining(['unix:user:root', 'unix:group:root']));
  expect(selectors.some((s) => s.startsWith('unix:path:'))).toBe(false);
});

asRoot('another uid, gid and supplementary groups, with names from passwd/group files', async () => {
  const pid = await startAs(['--reuid', '41234', '--regid', '42345', '--groups', '43456,44567']);
  const attestor = new UnixWorkloadAttestor(plain, {
    passwdFile: path.join(dir, 'passwd'),
    groupFile: path.join(dir, 'group'),
  });
  expect(await selectorsOf(attestor, pid)).toEqual([
    'unix:uid:41234',
    'unix:user:alice',
    'unix:gid:42345',
    'unix:group:staff',
    'unix:supplementary_gid:43456',
    'unix:supplementary_group:ops',
    'unix:supplementary_gid:44567',
    'unix:supplementary_group:dev',
  ]);
});

asRoot('ids without names give only numeric selectors', async () => {
  const pid = await startAs(['--reuid', '51234', '--regid', '52345', '--clear-groups']);
  const attestor = new UnixWorkloadAttestor(plain, {
    passwdFile: path.join(dir, 'passwd'),
    groupFile: path.join(dir, 'none'),
  });
  expect(await selectorsOf(attestor, pid)).toEqual(['unix:uid:51234', 'unix:gid:52345']);
});

asRoot('the effective uid and gid are used, not the real ones', async () => {
  const pid = await startAs([
    '--ruid',
    '61000',
    '--euid',
    '61001',
    '--rgid',
    '62000',
    '--egid',
    '62001',
    '--clear-groups',
  ]);
  const selectors = await selectorsOf(new UnixWorkloadAttestor(plain), pid);
  expect(selectors).toEqual(expect.arrayContaining(['unix:uid:61001', 'unix:gid:62001']));
  expect(selectors).not.toContain('unix:uid:61000');
});

asRoot('discover_workload_path adds the executable path and its sha256', async () => {
  const pid = await startAs(['--reuid', '41234', '--regid', '42345', '--clear-groups']);
  const exe = fs.readlinkSync(`/proc/${pid}/exe`);
  const digest = crypto.createHash('sha256').update(fs.readFileSync(exe)).digest('hex');
  const selectors = await selectorsOf(
    new UnixWorkloadAttestor({ discoverWorkloadPath: true, workloadSizeLimit: 0 }),
    pid,
  );
  expect(selectors).toEqual(expect.arrayContaining([`unix:path:${exe}`, `unix:sha256:${digest}`]));
});

asRoot('workload_size_limit: negative never hashes, a small positive limit fails attestation', async () => {
  const pid = await startAs(['--reuid', '41234', '--regid', '42345', '--clear-groups']);
  const noHash = await selectorsOf(
    new UnixWorkloadAttestor({ discoverWorkloadPath: true, workloadSizeLimit: -1 }),
    pid,
  );
  expect(noHash.some((s) => s.startsWith('unix:path:'))).toBe(true);
  expect(noHash.some((s) => s.startsWith('unix:sha256:'))).toBe(false);
  const small = new UnixWorkloadAttestor({ discoverWorkloadPath: true, workloadSizeLimit: 10 });
  await expect(small.attest({ pid, uid: 0, gid: 0 })).rejects.toThrow(/exceeds size limit/);
});

test('a process that is gone fails with InternalError', async () => {
  const child = spawn('true');
  await new Promise((r) => child.on('exit', r));
  await expect(
    new UnixWorkloadAttestor(plain).attest({ pid: child.pid!, uid: 0, gid: 0 }),
  ).rejects.toBeInstanceOf(InternalError);
});

test('config: defaults, SPIRE keys, unknown keys and wrong types', () => {
  expect(parseUnixConfig({})).toEqual({ discoverWorkloadPath: false, workloadSizeLimit: 0 });
  expect(parseUnixConfig({ discover_workload_path: true, workload_size_limit: 1024 })).toEqual({
    discoverWorkloadPath: true,
    workloadSizeLimit: 1024,
  });
  expect(() => parseUnixConfig({ discover_workload_paths: true })).toThrow(InvalidArgumentError);
  expect(() => parseUnixConfig({ discover_workload_path: 'yes' })).toThrow(
    'unix: plugin_data.discover_workload_path: must be a boolean',
  );
  expect(() => parseUnixConfig({ workload_size_limit: 1.5 })).toThrow(
    /workload_size_limit: must be an integer/,
  );
});

test('config: every bad key is reported at once, with its line and column', () => {
  const parsed = parseConfigText(
    [
      'plugin_data {',
      '  discover_workload_path = "yes"',
      '  workload_size_limit = "big"',
      '  workload_size = 5',
      '}',
    ].join('\n'),
  );
  const data = withKeyPositions(parsed.value.plugin_data as PluginData, parsed.positions, ['plugin_data']);
  expect(() => parseUnixConfig(data)).toThrow(
    'unix: plugin_data.discover_workload_path (line 2, column 3): must be a boolean; ' +
      'plugin_data.workload_size_limit (line 3, column 3): must be an integer; ' +
      'unknown configuration detected: section "unix plugin_data": keys workload_size (line 4, column 3)',
  );
});

test('workloadPlugin builds an attestor from plugin_data and deps', async () => {
  const attestor = await workloadPlugin.create({}, { logger: silentLogger, procRoot: '/proc' });
  expect(workloadPlugin.name).toBe('unix');
  expect((await attestor.attest({ pid: process.pid, uid: 0, gid: 0 })).every((s) => s.type === 'unix')).toBe(
    true,
  );
  await expect(
    workloadPlugin.create({ bogus: 1 }, { logger: silentLogger, procRoot: '/proc' }),
  ).rejects.toThrow('unix: unknown configuration detected: section "unix plugin_data": keys bogus');
});

test('parseProcStatus reads Uid, Gid and Groups lines and rejects malformed ones', () => {
  const status = 'Name:\tsleep\nUid:\t10\t11\t12\t13\nGid:\t20\t21\t22\t23\nGroups:\t30 31 \n';
  expect(parseProcStatus(status, 1)).toEqual({
    uids: [10, 11, 12, 13],
    gids: [20, 21, 22, 23],
    groups: ['30', '31'],
  });
  expect(parseProcStatus('Uid:\t5\nGid:\t6\nGroups:\t\n', 1).groups).toEqual([]);
  expect(() => parseProcStatus('Gid:\t1\n', 7)).toThrow('Uid lookup: no Uid line for process 7');
  expect(() => parseProcStatus('Uid:\tx\nGid:\t1\n', 7)).toThrow(/malformed Uid line/);
});

test('parseNameDatabase keeps the first name per id and skips comments and junk', () => {
  const names = parseNameDatabase(
    '#c\nroot:x:0:0::/root:/bin/sh\ntoor:x:0:0::/:/bin/sh\nbad\n:x:5:\nn:x:abc:\n',
  );
  expect([...names]).toEqual([['0', 'root']]);
});
