import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DiskKeyManager } from '../../src/ca';
import { bundlePem, newAgent, startTestServer, tlsClients, wireEntry, rpc } from './harness';

describe('restart', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'lyr-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps entries, agents and the CA across a restart', async () => {
    const start = async () =>
      startTestServer({ ca: { keyManager: await DiskKeyManager.open(path.join(dir, 'keys.json')) } }, dir);
    const first = await start();
    const roots = await bundlePem(first);
    const { agent, clients } = await newAgent(first);
    clients.close();
    await rpc((cb) =>
      first.admin.entry.BatchCreateEntry({ entries: [wireEntry('/kept', agent.agentId.slice(20))] }, cb),
    );
    await first.stop();

    const second = await start();
    try {
      expect((await bundlePem(second)).equals(roots)).toBe(true);
      const again = tlsClients(second, roots, agent.key.privateKey, agent.chainPem);
      const got = await rpc<{ entries: Array<{ spiffe_id: { path: string } }> }>((cb) =>
        again.entry.GetAuthorizedEntries({}, cb),
      );
      expect(got.entries.map((e) => e.spiffe_id.path)).toEqual(['/kept']);
      again.close();
    } finally {
      await second.stop();
    }
  });
});
