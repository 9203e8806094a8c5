import { chmodSync, lstatSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { status } from '@grpc/grpc-js';
import type { PluginLogger } from '@lanyard/attestor-core';
import { newAgent, rpc, rpcError, startTestServer, wireEntry, type TestServer } from './harness';

describe('server smoke', () => {
  let ts: TestServer;
  beforeAll(async () => {
    ts = await startTestServer();
  });
  afterAll(async () => ts.stop());

  it('answers health checks on the admin socket', async () => {
    const res = await rpc<{ status: string }>((cb) => ts.admin.health.Check({ service: '' }, cb));
    expect(res.status).toBe('SERVING');
  });

  it('creates the socket directory 0750 and the socket 0770', () => {
    expect(lstatSync(path.dirname(ts.socketPath)).mode & 0o777).toBe(0o750);
    const sock = lstatSync(ts.socketPath);
    expect(sock.isSocket()).toBe(true);
    expect(sock.mode & 0o777).toBe(0o770);
  });

  it('creates and lists an entry, and the agent gets it', async () => {
    const { agent, clients } = await newAgent(ts);
    const created = await rpc<{ results: Array<{ status: { code: number }; entry: { id: string } }> }>((cb) =>
      ts.admin.entry.BatchCreateEntry({ entries: [wireEntry('/web', agent.agentId.slice(20))] }, cb),
    );
    expect(created.results[0].status.code).toBe(status.OK);
    const got = await rpc<{ entries: Array<{ id: string }> }>((cb) =>
      clients.entry.GetAuthorizedEntries({}, cb),
    );
    expect(got.entries.map((e) => e.id)).toEqual([created.results[0].entry.id]);
    clients.close();
  });
});

describe('server start-up in an unsafe socket directory', () => {
  it('refuses to serve the admin API from a directory others can write, naming path and mode', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'lys-'));
    try {
      const sockDir = path.join(dir, 'sock');
      mkdirSync(sockDir);
      chmodSync(sockDir, 0o777);
      await expect(startTestServer({}, dir)).rejects.toThrow(
        `socket_path: directory ${sockDir} has mode 0777, writable by others`,
      );
      chmodSync(sockDir, 0o700);
      const ts = await startTestServer({}, dir);
      await ts.stop();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('server start-up on a used socket path, with the audit log', () => {
  it('replaces a stale socket, refuses a non-socket file, and audits every call', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'lys-'));
    const lines: Array<{ msg: string; fields: Record<string, unknown> }> = [];
    const record = (msg: string, fields: Record<string, unknown> = {}) => lines.push({ msg, fields });
    const logger: PluginLogger = { debug: record, info: record, warn: record, error: record };
    try {
      mkdirSync(path.join(dir, 'sock'));
      writeFileSync(path.join(dir, 'sock', 'api.sock'), 'not a socket');
      await expect(startTestServer({}, dir)).rejects.toThrow('exists and is not a socket');
      rmSync(path.join(dir, 'sock', 'api.sock'));
      // A crashed server leaves its socket file behind: listen on it, then die without cleaning up.
      const socketPath = path.join(dir, 'sock', 'api.sock');
      const script = `require('net').createServer().listen(process.argv[1], () => process.kill(process.pid, 'SIGKILL'))`;
      spawnSync(process.execPath, ['-e', script, socketPath]);
      expect(lstatSync(socketPath).isSocket()).toBe(true);
      const ts = await startTestServer({ auditLogEnabled: true, logger }, dir);
      await rpc((cb) => ts.admin.entry.CountEntries({}, cb));
      await rpcError(rpc((cb) => ts.admin.entry.GetEntry({ id: 'missing' }, cb)));
      await rpc((cb) =>
        ts.admin.entry.BatchCreateEntry(
          { entries: [wireEntry('/audited', '/node'), wireEntry('/audited', '/node')] },
          cb,
        ),
      );
      await rpc((cb) => ts.admin.agent.CreateJoinToken({ ttl: 60, token: 'sekrit-token-value' }, cb));
      await ts.stop();
      const audits = lines.filter((l) => l.msg === 'API accessed');
      expect(audits.map((a) => [a.fields.method, a.fields.status, a.fields.type])).toEqual([
        ['CountEntries', 'success', 'audit'],
        ['GetEntry', 'error', 'audit'],
        ['BatchCreateEntry', 'success', 'audit'],
        ['BatchCreateEntry', 'error', 'audit'],
        ['CreateJoinToken', 'success', 'audit'],
      ]);
      expect(audits[1].fields).toMatchObject({ id: 'missing', status_code: 'NotFound' });
      expect(audits[2].fields).toMatchObject({
        spiffe_id: 'spiffe://example.org/audited',
        parent_id: 'spiffe://example.org/node',
        selectors: 'unix:uid:1000',
        service: 'spire.api.server.entry.v1.Entry',
      });
      expect(audits[3].fields).toMatchObject({
        spiffe_id: 'spiffe://example.org/audited',
        status_code: 'AlreadyExists',
        status_message: 'similar entry already exists',
      });
      expect(audits[2].fields.request_id).toBe(audits[3].fields.request_id);
      expect(audits[4].fields).toMatchObject({ ttl: 60 });
      expect(JSON.stringify(audits)).not.toContain('sekrit-token-value');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
