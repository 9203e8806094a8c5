/** Entry `jwt_svid_include_jti`: JWT-SVIDs for such an entry carry a random `jti`, recorded in the trail. */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { decodeJwt } from 'jose';
import type { TrailEvent } from '@lanyard/common';
import { newAgent, rpc, startTestServer, wid, wireEntry, type TestServer } from './harness';

type Minted = { svid: { token: string } };

describe('entry jwt_svid_include_jti', () => {
  let ts: TestServer;
  let dir: string;
  let trailPath: string;

  const minted = async (): Promise<TrailEvent[]> => {
    await ts.server.trail?.flush();
    return readFileSync(trailPath, 'utf8')
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as TrailEvent)
      .filter((e) => e.event === 'jwt_svid_minted');
  };

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'lyj-'));
    trailPath = path.join(dir, 'trail.log');
    ts = await startTestServer(
      { auditTrail: { path: trailPath, maxSizeBytes: 10_000_000, maxFiles: 2 } },
      dir,
    );
  });
  afterAll(async () => {
    await ts.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('NewJWTSVID adds a fresh jti for an entry with the flag and none for one without', async () => {
    const { agent, clients } = await newAgent(ts);
    const parent = agent.agentId.slice(20);
    const created = await rpc<{ results: Array<{ entry: { id: string } }> }>((cb) =>
      ts.admin.entry.BatchCreateEntry(
        {
          entries: [
            { ...wireEntry('/jti/on', parent), additional_attributes: { jwt_svid_include_jti: true } },
            wireEntry('/jti/off', parent),
          ],
        },
        cb,
      ),
    );
    const [on, off] = created.results.map((r) => r.entry.id);
    const mint = (entry_id: string) =>
      rpc<Minted>((cb) => clients.svid.NewJWTSVID({ entry_id, audience: ['db'] }, cb));
    const first = decodeJwt((await mint(on)).svid.token);
    const second = decodeJwt((await mint(on)).svid.token);
    const plain = decodeJwt((await mint(off)).svid.token);
    clients.close();

    expect(first.sub).toBe('spiffe://example.org/jti/on');
    expect(first.jti).toMatch(/^[A-Za-z0-9_-]{16,}$/);
    expect(second.jti).toMatch(/^[A-Za-z0-9_-]{16,}$/);
    expect(second.jti).not.toBe(first.jti);
    expect(plain.sub).toBe('spiffe://example.org/jti/off');
    expect(plain.jti).toBeUndefined();
    const events = (await minted()).filter((e) => e.entry_id === on || e.entry_id === off);
    expect(events.map((e) => [e.entry_id, e.jti])).toEqual([
      [on, first.jti],
      [on, second.jti],
      [off, undefined],
    ]);
  });

  it('MintJWTSVID adds a jti when an entry for the SPIFFE ID has the flag', async () => {
    await rpc((cb) =>
      ts.admin.entry.BatchCreateEntry(
        {
          entries: [
            { ...wireEntry('/mint/on', '/node'), additional_attributes: { jwt_svid_include_jti: true } },
            wireEntry('/mint/off', '/node'),
          ],
        },
        cb,
      ),
    );
    const mint = (p: string) =>
      rpc<Minted>((cb) => ts.admin.svid.MintJWTSVID({ id: wid(p), audience: ['db'] }, cb));
    const on = decodeJwt((await mint('/mint/on')).svid.token);
    const off = decodeJwt((await mint('/mint/off')).svid.token);
    const none = decodeJwt((await mint('/mint/no-entry')).svid.token);
    expect(on.jti).toMatch(/^[A-Za-z0-9_-]{16,}$/);
    expect(off.jti).toBeUndefined();
    expect(none.jti).toBeUndefined();
    const events = (await minted()).filter((e) => String(e.spiffe_id).includes('/mint/'));
    expect(events.map((e) => e.jti)).toEqual([on.jti, undefined, undefined]);
  });
});
