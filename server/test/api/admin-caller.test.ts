/** The admin socket's caller in the SPIRE audit log: uid, gid and binary path of the real CLI process. */
import { chmodSync, mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { PluginLogger } from '@lanyard/attestor-core';
import { runCommand, SERVER_BIN } from '@lanyard/e2e';
import { pathForOtherUsers, runAsPrefix } from '@lanyard/test-support';
import { rpc, startTestServer, type TestServer } from './harness';

describe('admin socket caller in the audit log', () => {
  let dir: string;
  let ts: TestServer;
  const lines: Array<{ msg: string; fields: Record<string, unknown> }> = [];
  const record = (msg: string, fields: Record<string, unknown> = {}) => lines.push({ msg, fields });
  const logger: PluginLogger = { debug: record, info: record, warn: record, error: record };
  const audits = () => lines.filter((l) => l.msg === 'API accessed').map((l) => l.fields);

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'lyac-'));
    // The socket is 0770 in a 0750 directory (group root): a caller of another uid in group 0 may connect.
    chmodSync(dir, 0o755);
    ts = await startTestServer({ auditLogEnabled: true, logger }, dir);
  });
  afterAll(async () => {
    await ts.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('logs caller_uid, caller_gid and caller_path of a CLI run as another user', async () => {
    const prefix = runAsPrefix({ uid: 43210, gid: 0 });
    const cli = pathForOtherUsers(SERVER_BIN);
    const result = await runCommand(
      prefix[0],
      [...prefix.slice(1), process.execPath, cli, 'entry', 'count', '-socketPath', ts.socketPath],
      { timeoutMs: 60_000 },
    );
    expect(result).toMatchObject({ code: 0 });
    const counts = audits().filter((a) => a.method === 'CountEntries');
    expect(counts).toHaveLength(1);
    expect(counts[0]).toMatchObject({
      type: 'audit',
      status: 'success',
      caller_addr: `unix:${ts.socketPath}`,
      caller_uid: 43210,
      caller_gid: 0,
      caller_path: realpathSync(process.execPath),
    });
    expect(counts[0].caller_id).toBeUndefined();
  });

  it('logs this process as the caller of an in-process admin client', async () => {
    await rpc((cb) => ts.admin.entry.CountEntries({}, cb));
    const last = audits()
      .filter((a) => a.method === 'CountEntries')
      .at(-1);
    expect(last).toMatchObject({
      caller_uid: process.getuid!(),
      caller_gid: process.getgid!(),
      caller_path: realpathSync(process.execPath),
    });
  });
});
