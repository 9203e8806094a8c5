import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import type { WorkloadAttestor } from '@lanyard/attestor-core';
import { workloadPlugin as unixPlugin } from '@lanyard/attestor-unix/agent';
import { silentLogger } from '@lanyard/attestor-core';
import { UnavailableError } from '@lanyard/base';
import { runAsPrefix } from '@lanyard/test-support';
import { IdentityCache } from '../../src/manager/cache';
import {
  WorkloadApiServer,
  WorkloadAttestation,
  parseStartTime,
  readPeerCred,
  readProcessStartTime,
} from '../../src/workload';
import {
  header,
  issueSvid,
  makeEntry,
  peerCredAttestor,
  runClientProcess,
  startApi,
  StreamReader,
  unary,
  workloadClient,
  type RunningApi,
} from '../workload-fixtures';

/** Tests that start processes under other uids with setpriv need root (as in CI). */
const asRoot = process.getuid?.() === 0 ? test : test.skip;

const uid = process.getuid!();
let api: RunningApi | undefined;

afterEach(async () => {
  await api?.close();
  api = undefined;
});

function identity(running: RunningApi, id: string, spiffePath: string, selectors: string[]): void {
  const entry = makeEntry(id, `spiffe://example.org${spiffePath}`, selectors);
  running.cache.updateEntries([...running.cache.entries(), entry]);
  running.cache.setSvid(id, issueSvid(running.td.ca, entry));
}

test('§7.3/4: a missing or wrong security header fails every RPC with INVALID_ARGUMENT before attestation', async () => {
  let attestations = 0;
  const counting: WorkloadAttestor = { name: 'count', attest: async () => (attestations++, []) };
  api = await startApi({ attestors: [counting] });
  const client = workloadClient(api.socketPath);
  const bad = [header(null), header('True'), header('1')];
  const twice = header();
  twice.add('workload.spiffe.io', 'true');
  bad.push(twice);
  for (const md of bad) {
    const statuses = await Promise.all([
      new StreamReader(client.FetchX509SVID({}, md)).ended,
      new StreamReader(client.FetchX509Bundles({}, md)).ended,
      new StreamReader(client.FetchJWTBundles({}, md)).ended,
    ]);
    for (const s of statuses)
      expect([s.code, s.details]).toEqual([
        grpc.status.INVALID_ARGUMENT,
        'security header missing from request',
      ]);
    for (const call of [
      unary(client.FetchJWTSVID.bind(client), { audience: ['a'] }, md),
      unary(client.ValidateJWTSVID.bind(client), { audience: 'a', svid: 'x' }, md),
    ]) {
      await expect(call).rejects.toMatchObject({
        code: grpc.status.INVALID_ARGUMENT,
        details: 'security header missing from request',
      });
    }
  }
  expect(attestations).toBe(0);
  client.close();
});

asRoot(
  'two callers with different uids (setpriv) get different identities or PERMISSION_DENIED',
  async () => {
    api = await startApi();
    identity(api, 'root', '/root-app', [`test:uid:${uid}`]);
    identity(api, 'svc', '/svc', ['test:uid:41234']);
    const asSvc = runAsPrefix({ uid: 41234 });
    const asNobody = runAsPrefix({ uid: 41235 });
    expect(await runClientProcess(api.socketPath, 'x509')).toEqual({
      code: 0,
      spiffeIds: ['spiffe://example.org/root-app'],
    });
    expect(await runClientProcess(api.socketPath, 'x509', { prefix: asSvc })).toEqual({
      code: 0,
      spiffeIds: ['spiffe://example.org/svc'],
    });
    expect(await runClientProcess(api.socketPath, 'x509', { prefix: asNobody })).toEqual({
      code: grpc.status.PERMISSION_DENIED,
      details: 'no identity issued',
    });
    expect(await runClientProcess(api.socketPath, 'jwt', { prefix: asSvc, audience: 'db' })).toEqual({
      code: 0,
      spiffeIds: ['spiffe://example.org/svc'],
    });
  },
);

test('the real unix attestor: entries selected by unix:uid and unix:user of the caller', async () => {
  const unix = await unixPlugin.create({}, { logger: silentLogger, procRoot: '/proc' });
  api = await startApi({ attestors: [unix] });
  identity(api, 'u', '/by-uid', [`unix:uid:${uid}`]);
  identity(api, 'n', '/by-uid-and-user', [`unix:uid:${uid}`, 'unix:user:root']);
  identity(api, 'x', '/other-user', ['unix:uid:41234']);
  const client = workloadClient(api.socketPath);
  const reader = new StreamReader(client.FetchX509SVID({}, header()));
  const ids = (await reader.next()).svids.map((s) => s.spiffe_id);
  expect(ids).toContain('spiffe://example.org/by-uid');
  expect(ids).not.toContain('spiffe://example.org/other-user');
  if (uid === 0) expect(ids).toContain('spiffe://example.org/by-uid-and-user');
  reader.cancel();
  client.close();
});

test('attestor failure and attestor timeout → UNAVAILABLE "workload attestation failed"', async () => {
  const failing: WorkloadAttestor = {
    name: 'broken',
    attest: async () => {
      throw new Error('boom');
    },
  };
  api = await startApi({ attestors: [peerCredAttestor, failing] });
  identity(api, 'e', '/web', [`test:uid:${uid}`]);
  const client = workloadClient(api.socketPath);
  const status = await new StreamReader(client.FetchX509SVID({}, header())).ended;
  expect([status.code, status.details]).toEqual([grpc.status.UNAVAILABLE, 'workload attestation failed']);
  client.close();
  const never: WorkloadAttestor = { name: 'slow', attest: () => new Promise(() => undefined) };
  const attestation = new WorkloadAttestation([never], { timeoutMs: 50 });
  const connection = {
    id: 'c',
    cred: { pid: process.pid, uid, gid: 0 },
    startTime: readProcessStartTime(process.pid),
  };
  await expect(attestation.attest(connection)).rejects.toThrow('workload attestation failed');
});

describe('PID reuse guard', () => {
  let procRoot: string;
  const pid = 4242;
  const stat = (start: number) => `${pid} (evil) name) S 1 ${'0 '.repeat(17)}${start} 0 0\n`;

  beforeEach(() => {
    procRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'lanyard-proc-'));
    fs.mkdirSync(path.join(procRoot, String(pid)));
    fs.writeFileSync(path.join(procRoot, String(pid), 'stat'), stat(1000));
  });
  afterEach(() => fs.rmSync(procRoot, { recursive: true, force: true }));

  test('parseStartTime counts fields after the last ")" (comm may contain spaces and parentheses)', () => {
    expect(parseStartTime(stat(1000))).toBe(1000n);
    expect(readProcessStartTime(pid, procRoot)).toBe(1000n);
    expect(parseStartTime('garbage')).toBeUndefined();
    expect(readProcessStartTime(999999999)).toBeUndefined();
  });

  test('a pid that names another process after attestation → UNAVAILABLE', async () => {
    const reuse: WorkloadAttestor = {
      name: 'reuse',
      attest: async () => {
        fs.writeFileSync(path.join(procRoot, String(pid), 'stat'), stat(2000));
        return [{ type: 'test', value: 'x' }];
      },
    };
    const attestation = new WorkloadAttestation([reuse], { procRoot });
    const connection = { id: 'c', cred: { pid, uid: 0, gid: 0 }, startTime: 1000n };
    await expect(attestation.attest(connection)).rejects.toBeInstanceOf(UnavailableError);
    await expect(attestation.attest(connection)).rejects.toThrow(
      /could not verify existence of the original caller/,
    );
  });

  test('the same process passes; a process gone before attestation fails', async () => {
    const attestation = new WorkloadAttestation([peerCredAttestor], { procRoot });
    await expect(
      attestation.attest({ id: 'c', cred: { pid, uid: 7, gid: 8 }, startTime: 1000n }),
    ).resolves.toEqual([
      { type: 'test', value: 'uid:7' },
      { type: 'test', value: 'gid:8' },
    ]);
    fs.rmSync(path.join(procRoot, String(pid)), { recursive: true });
    await expect(
      attestation.attest({ id: 'c', cred: { pid, uid: 7, gid: 8 }, startTime: 1000n }),
    ).rejects.toBeInstanceOf(UnavailableError);
  });
});

test('readPeerCred returns the pid, uid and gid of the connecting process', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lanyard-pc-'));
  const sock = path.join(dir, 's.sock');
  const creds = await new Promise<ReturnType<typeof readPeerCred>>((resolve) => {
    const server = net.createServer((c) => {
      resolve(readPeerCred(c));
      c.destroy();
      server.close();
    });
    server.listen(sock, () => net.connect(sock).on('error', () => undefined));
  });
  expect(creds).toEqual({ pid: process.pid, uid, gid: process.getgid!() });
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('socket file handling', () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lanyard-sock-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('creates the parent directory, makes the socket 0777 and removes it on stop', async () => {
    api = await startApi();
    expect(fs.statSync(api.socketPath).mode & 0o777).toBe(0o777);
    expect(fs.statSync(path.dirname(api.socketPath)).isDirectory()).toBe(true);
    const socketPath = api.socketPath;
    await api.close();
    api = undefined;
    expect(fs.existsSync(socketPath)).toBe(false);
  });

  test('a stale socket nobody listens on is replaced; a live one or a regular file is refused', async () => {
    const make = (socketPath: string) =>
      new WorkloadApiServer({
        socketPath,
        cache: new IdentityCache({ trustDomain: 'example.org' }),
        attestors: [],
        jwtMinter: { mintJwtSvid: () => Promise.reject(new Error('unused')) },
      });
    const stale = path.join(dir, 'stale.sock');
    const holder = net.createServer().listen(stale);
    await new Promise((r) => holder.once('listening', r));
    await expect(make(stale).start()).rejects.toThrow(/is in use by another process/);
    await new Promise((r) => holder.close(r));
    fs.writeFileSync(path.join(dir, 'plain'), 'x');
    await expect(make(path.join(dir, 'plain')).start()).rejects.toThrow(/exists and is not a socket/);
    await expect(make('relative.sock').start()).rejects.toThrow(/must be an absolute path/);
    // A socket file left behind by a process killed while listening:
    const crash = `require('net').createServer().listen(${JSON.stringify(stale)}, () => process.kill(process.pid, 'SIGKILL'))`;
    await new Promise((r) => execFile(process.execPath, ['-e', crash], r));
    expect(fs.statSync(stale).isSocket()).toBe(true);
    const server = make(stale);
    await server.start();
    await server.stop();
  });
});
