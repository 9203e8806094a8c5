import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { silentLogger } from '@lanyard/attestor-core';
import { openDataStore, type DataStore } from '../src/datastore';
import { pruneExpiredNodes } from '../src/node-pruner';

const NOW = 2_000_000_000;

describe('pruneExpiredNodes', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'lyp-'));
  let ds: DataStore;
  beforeAll(async () => {
    ds = await openDataStore({ databaseType: 'sqlite3', connectionString: path.join(dir, 'ds.sqlite3') });
    const node = (name: string, notAfter: number, canReattest: boolean, serial = '1') =>
      ds.createNode({
        spiffeId: `spiffe://example.org/spire/agent/x/${name}`,
        attestationDataType: 'x',
        certSerialNumber: serial,
        certNotAfter: notAfter,
        newCertSerialNumber: '',
        newCertNotAfter: 0,
        canReattest,
      });
    await node('old-reattestable', NOW - 7200, true);
    await node('old-tofu', NOW - 7200, false);
    await node('old-banned', NOW - 7200, true, '');
    await node('recent', NOW - 60, true);
  });
  afterAll(async () => {
    await ds.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('deletes long-expired reattestable nodes, keeps banned, recent and (by default) TOFU nodes', async () => {
    const pruned = await pruneExpiredNodes(ds, { expiredForSeconds: 3600, batchSize: 1 }, NOW, silentLogger);
    expect(pruned).toEqual(['spiffe://example.org/spire/agent/x/old-reattestable']);
    const tofu = await pruneExpiredNodes(
      ds,
      { expiredForSeconds: 3600, pruneTofuNodes: true },
      NOW,
      silentLogger,
    );
    expect(tofu).toEqual(['spiffe://example.org/spire/agent/x/old-tofu']);
    const left = (await ds.listNodes()).items.map((n) => n.spiffeId.split('/').pop()).sort();
    expect(left).toEqual(['old-banned', 'recent']);
  });
});
