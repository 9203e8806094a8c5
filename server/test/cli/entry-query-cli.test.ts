import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { SERVER_BIN, runCommand } from '@lanyard/e2e';
import { entryIds, json, startCliServer, type CliServer } from './cli-harness';

const TD = 'spiffe://example.org';

/** Each step spawns a Node process; on a loaded 2-core machine a multi-step test can take a while. */
jest.setTimeout(120_000);

describe('lanyard-server entry show/count/update/delete (real server, CLI as a child process)', () => {
  let s: CliServer;
  beforeAll(async () => {
    s = await startCliServer();
  }, 120_000);
  afterAll(async () => s?.close());

  describe('entry show / count', () => {
    beforeAll(async () => {
      await s.ok([
        'entry',
        'create',
        '-parentID',
        `${TD}/h2`,
        '-spiffeID',
        `${TD}/show/b`,
        '-selector',
        'x:1',
        '-selector',
        'y:2',
      ]);
      await s.ok([
        'entry',
        'create',
        '-parentID',
        `${TD}/h2`,
        '-spiffeID',
        `${TD}/show/a`,
        '-selector',
        'x:1',
      ]);
      await s.ok([
        'entry',
        'create',
        '-parentID',
        `${TD}/h2`,
        '-spiffeID',
        `${TD}/show/c`,
        '-selector',
        'z:3',
        '-downstream',
      ]);
    });

    it('lists by parent sorted by SPIFFE ID, hiding downstream entries unless -downstream', async () => {
      const out = await s.ok(['entry', 'show', '-parentID', `${TD}/h2`]);
      expect(out.startsWith('Found 2 entries\n')).toBe(true);
      expect([...out.matchAll(/^SPIFFE ID {15}: (\S+)$/gm)].map((m) => m[1])).toEqual([
        `${TD}/show/a`,
        `${TD}/show/b`,
      ]);
      const down = await s.ok(['entry', 'show', '-parentID', `${TD}/h2`, '-downstream']);
      expect(down.startsWith('Found 1 entry\n')).toBe(true);
      expect(down).toContain('Downstream              : true\n');
    });

    it('filters by selectors with each match mode and rejects an unknown mode', async () => {
      const count = async (mode: string, ...sels: string[]) => {
        const args = ['entry', 'count', '-parentID', `${TD}/h2`, '-matchSelectorsOn', mode];
        for (const sel of sels) args.push('-selector', sel);
        return s.ok(args);
      };
      expect(await count('superset', 'x:1')).toBe('2 registration entries\n');
      expect(await count('exact', 'x:1')).toBe('1 registration entry\n');
      expect(await count('subset', 'x:1')).toBe('1 registration entry\n');
      expect(await count('any', 'y:2', 'q:9')).toBe('1 registration entry\n');
      const bad = await s.cli(['entry', 'show', '-selector', 'x:1', '-matchSelectorsOn', 'most']);
      expect(bad.code).toBe(1);
      expect(bad.stderr).toBe('Error: match behavior "most" unknown\n');
    });

    it('shows one entry by -entryID, refuses -entryID with other filters, and reports not found', async () => {
      const [id] = entryIds(await s.ok(['entry', 'show', '-spiffeID', `${TD}/show/a`]));
      const one = await s.ok(['entry', 'show', '-entryID', id]);
      expect(one.startsWith(`Found 1 entry\nEntry ID                : ${id}\n`)).toBe(true);
      const combined = await s.cli(['entry', 'show', '-entryID', id, '-spiffeID', `${TD}/show/a`]);
      expect(combined.stderr).toBe("Error: the -entryID flag can't be combined with others\n");
      const missing = await s.cli(['entry', 'show', '-entryID', 'does-not-exist']);
      expect(missing.code).toBe(1);
      expect(missing.stderr).toBe(
        'Error: error fetching entry ID does-not-exist: rpc error: code = NotFound desc = entry not found\n',
      );
    });

    it('prints ListEntriesResponse and CountEntriesResponse JSON', async () => {
      const list = json<{ entries: { spiffe_id: { path: string } }[]; next_page_token: string }>(
        await s.ok(['entry', 'show', '-parentID', `${TD}/h2`, '-output', 'json']),
      );
      expect(list.entries.map((e) => e.spiffe_id.path)).toEqual(['/show/a', '/show/b']);
      expect(list.next_page_token).toBe('');
      expect(json(await s.ok(['entry', 'count', '-parentID', `${TD}/h2`, '-output', 'json']))).toEqual({
        count: 2,
      });
      const badId = await s.cli(['entry', 'show', '-parentID', 'nope']);
      expect(badId.stderr).toBe('Error: error parsing parent ID "nope": scheme is missing or invalid\n');
    });
  });

  describe('entry update / delete', () => {
    it('updates an entry (revision bumps) and requires -entryID', async () => {
      const [id] = entryIds(
        await s.ok([
          'entry',
          'create',
          '-parentID',
          `${TD}/h3`,
          '-spiffeID',
          `${TD}/upd`,
          '-selector',
          'a:1',
        ]),
      );
      const out = await s.ok([
        'entry',
        'update',
        '-entryID',
        id,
        '-parentID',
        `${TD}/h3`,
        '-spiffeID',
        `${TD}/upd2`,
        '-selector',
        'a:2',
        '-jwtSVIDTTL',
        '30',
      ]);
      expect(out).toContain(`SPIFFE ID               : ${TD}/upd2\n`);
      expect(out).toContain('Revision                : 1\n');
      expect(out).toContain('JWT-SVID TTL            : 30\n');
      const missing = await s.cli([
        'entry',
        'update',
        '-parentID',
        `${TD}/h3`,
        '-spiffeID',
        `${TD}/u`,
        '-selector',
        'a:2',
      ]);
      expect(missing.stderr).toBe('Error: entry ID is required\n');
      const notFound = await s.cli([
        'entry',
        'update',
        '-entryID',
        'ghost',
        '-parentID',
        `${TD}/h3`,
        '-spiffeID',
        `${TD}/u`,
        '-selector',
        'a:2',
      ]);
      expect(notFound.code).toBe(1);
      expect(notFound.stderr).toMatch(
        /^Failed to update the following entry \(code: NotFound, msg: "entry not found"\):\nEntry ID {16}: ghost\n/,
      );
      expect(notFound.stderr.endsWith('Error: failed to update one or more entries\n')).toBe(true);
    });

    it('deletes by -entryID and by -file, and reports missing IDs', async () => {
      const ids = [];
      for (const n of ['d1', 'd2', 'd3']) {
        ids.push(
          entryIds(
            await s.ok([
              'entry',
              'create',
              '-parentID',
              `${TD}/h4`,
              '-spiffeID',
              `${TD}/${n}`,
              '-selector',
              'd:1',
            ]),
          )[0],
        );
      }
      expect(await s.ok(['entry', 'delete', '-entryID', ids[0]])).toBe(
        `Deleted entry with ID: ${ids[0]}\n\n\nDeleted 1 entries successfully`,
      );
      const file = path.join(s.dir, 'delete.json');
      writeFileSync(file, JSON.stringify({ ids: [ids[1], ids[2]] }));
      expect(await s.ok(['entry', 'delete', '-file', file])).toContain('Deleted 2 entries successfully');
      const again = await s.cli(['entry', 'delete', '-entryID', ids[0]]);
      expect(again.code).toBe(1);
      expect(again.stderr).toBe(
        `Failed to delete entry with ID ${ids[0]} (code: NotFound, msg: "entry not found")\nError: failed to delete one or more entries\n`,
      );
      expect((await s.cli(['entry', 'delete'])).stderr).toBe('Error: an entry ID is required\n');
      expect(await s.ok(['entry', 'count', '-parentID', `${TD}/h4`])).toBe('0 registration entries\n');
    });
  });

  it('entries survive a server restart', async () => {
    const [id] = entryIds(
      await s.ok([
        'entry',
        'create',
        '-parentID',
        `${TD}/keep`,
        '-spiffeID',
        `${TD}/kept`,
        '-selector',
        'k:1',
      ]),
    );
    await s.server.stop();
    await s.server.run();
    const out = await s.ok(['entry', 'show', '-entryID', id]);
    expect(out).toContain(`SPIFFE ID               : ${TD}/kept\n`);
  }, 120_000);

  it('fails with the gRPC error when no server listens on -socketPath', async () => {
    const result = await runCommand(process.execPath, [
      SERVER_BIN,
      'entry',
      'count',
      '-socketPath',
      path.join(s.dir, 'absent.sock'),
    ]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^Error: rpc error: code = Unavailable desc = /);
  });
});
