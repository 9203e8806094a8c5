/**
 * SQLite on a full filesystem: the server's data_dir lives on a size-limited tmpfs (`mount -t tmpfs -o size=8m`,
 * the suites run as root). A filler file takes all but a little of the space, then entries are created until a
 * write fails. The failure must be a clear error, the store must stay readable with every acknowledged entry, the
 * server must stay healthy, and once the filler is removed writes must work again. When mounting is not
 * permitted the suite fails with the reason (it needs root, as CI has).
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ServerUnderTest } from '@lanyard/e2e';
import { FaultFigures, SOAK, iterations } from './figures';
import { TD, admin, batchCreate, listAllEntries, makeDir, wireEntry } from './harness';

jest.setTimeout(300_000);

const ROUNDS = iterations(1, 5);
const PARENT = `spiffe://${TD}/full/parent`;

const figures = new FaultFigures(
  '### SQLite on a full filesystem',
  `${SOAK ? 'make soak' : 'LANYARD_WRITE_RELIABILITY=1 npx jest'} test/reliability/full-disk`,
  `The server's data_dir (SQLite in WAL mode, keys, config) is on an 8 MiB tmpfs. A filler file leaves about
256 KiB free; entries are created in batches of 100 until a write fails. Then: every acknowledged entry is listed,
\`healthcheck\` passes, the filler is removed and a new batch must succeed.`,
);

let dir: string;
let mountPoint: string;
let mounted = false;
let server: ServerUnderTest | undefined;

function freeBytes(): number {
  const stat = fs.statfsSync(mountPoint);
  return stat.bavail * stat.bsize;
}

beforeAll(() => {
  dir = makeDir('lanyard-rel-fulldisk-');
  mountPoint = path.join(dir, 'mnt');
  fs.mkdirSync(mountPoint);
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=8m,mode=0755', 'tmpfs', mountPoint], { stdio: 'pipe' });
    mounted = true;
  } catch (err) {
    const reason = (err as { stderr?: Buffer }).stderr?.toString().trim() || (err as Error).message;
    throw new Error(`cannot mount a size-limited tmpfs for the full-disk suite (needs root): ${reason}`);
  }
});

afterAll(async () => {
  await server?.stop();
  if (mounted) execFileSync('umount', [mountPoint]);
  fs.rmSync(dir, { recursive: true, force: true });
  figures.writeIfRequested(1);
});

test('writes fail with a clear error on a full disk, reads keep working, writes recover once space is freed', async () => {
  server = await ServerUnderTest.start({ dir: path.join(mountPoint, 'server'), trustDomain: TD });
  const api = admin(server.socketPath);
  const acked = new Map<string, string>();
  const errors = new Set<string>();
  let batch = 0;
  const createBatch = async (): Promise<boolean> => {
    const ids = Array.from({ length: 100 }, (_, i) => `spiffe://${TD}/full/b${batch}/e${i}`);
    batch += 1;
    try {
      const results = await batchCreate(
        api,
        ids.map((id) => wireEntry(id, PARENT, 'unix:uid:4343')),
      );
      results.forEach((r, i) =>
        r.code === 0 && r.entryId ? acked.set(ids[i], r.entryId) : errors.add(`${r.code}: ${r.message}`),
      );
      return results.every((r) => r.code === 0);
    } catch (err) {
      errors.add((err as Error).message.split('\n')[0]);
      return false;
    }
  };
  for (let round = 0; round < ROUNDS; round += 1) {
    const filler = path.join(mountPoint, 'filler');
    fs.writeFileSync(filler, Buffer.alloc(Math.max(0, freeBytes() - 256 * 1024)));
    let writes = 0;
    while (await createBatch()) writes += 1;
    expect(writes).toBeLessThan(1000);
    if (!/^8 RESOURCE_EXHAUSTED: datastore is full/m.test([...errors].join('\n'))) {
      const logged = server.log.split('\n').filter((l) => /error/i.test(l));
      throw new Error(
        `no clear full-disk error: ${[...errors].join('; ')}\nserver:\n${logged.slice(-10).join('\n')}`,
      );
    }
    const found = await listAllEntries(api);
    for (const [id, entryId] of acked) expect(found.get(id)).toEqual([entryId]);
    expect((await server.cli(['healthcheck'])).code).toBe(0);
    fs.rmSync(filler);
    expect(await createBatch()).toBe(true);
  }
  api.close();
  const found = await listAllEntries(admin(server.socketPath));
  expect([...acked.keys()].every((id) => found.has(id))).toBe(true);
  figures.add({
    scenario: 'tmpfs filled while creating entries, then space freed',
    backend: 'SQLite (WAL)',
    runs: ROUNDS,
    done: `${acked.size.toLocaleString('en-US')} entries acknowledged and listed afterwards; writes worked again after every freeing`,
    lost: 0,
    notes: `errors seen: ${[...errors].map((e) => `\`${e.replace(/\|/g, '/')}\``).join('; ')}`,
  });
});
