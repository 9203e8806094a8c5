import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  TrailWriter,
  mapAuditTrail,
  parseByteSize,
  readTrail,
  tokenFingerprint,
  type ConfigIssue,
  type TrailEvent,
  type TrailReadStats,
} from '../../src';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'trail-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const lines = (file: string): Array<Record<string, unknown>> =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);

async function collect(file: string, filter = {}, stats?: TrailReadStats): Promise<TrailEvent[]> {
  const out: TrailEvent[] = [];
  for await (const event of readTrail(file, filter, stats)) out.push(event);
  return out;
}

describe('TrailWriter', () => {
  it('writes JSON lines with time, event and spiffe_id; events of one tick share one fsync batch', async () => {
    const file = path.join(dir, 'trail.log');
    const writer = new TrailWriter({ path: file, maxSizeBytes: 1_000_000, maxFiles: 2, now: () => 0 });
    for (let i = 0; i < 100; i++)
      writer.record({ event: 'x509_svid_issued', spiffe_id: 'spiffe://td/a', serial: String(i) });
    await writer.flush();
    expect(writer.stats).toEqual({ batches: 1, written: 100, dropped: 0 });
    writer.record({ event: 'entry_deleted', spiffe_id: 'spiffe://td/b' });
    await writer.close();
    expect(writer.stats.batches).toBe(2);
    const got = lines(file);
    expect(got).toHaveLength(101);
    expect(got[0]).toEqual({
      time: '1970-01-01T00:00:00.000Z',
      event: 'x509_svid_issued',
      spiffe_id: 'spiffe://td/a',
      serial: '0',
    });
  });

  it('rotates by size: path → path.1 … path.N, the oldest dropped', async () => {
    const file = path.join(dir, 'trail.log');
    const writer = new TrailWriter({ path: file, maxSizeBytes: 200, maxFiles: 2 });
    for (let i = 0; i < 8; i++) {
      writer.record({
        event: 'jwt_svid_minted',
        spiffe_id: 'spiffe://td/a',
        jti: `jti-${i}`.padEnd(150, 'x'),
      });
      await writer.flush();
    }
    await writer.close();
    expect(existsSync(`${file}.1`)).toBe(true);
    expect(existsSync(`${file}.2`)).toBe(true);
    expect(existsSync(`${file}.3`)).toBe(false);
    const all = await collect(file);
    // Each batch exceeds 200 bytes, so each rotated away; the two newest rotated files remain, oldest first.
    expect(all.map((e) => String(e.jti).slice(0, 5))).toEqual(['jti-6', 'jti-7']);
  });

  it('drops events beyond the bounded queue and reports it once per batch', async () => {
    const problems: Array<[string, Record<string, unknown>]> = [];
    const file = path.join(dir, 'trail.log');
    const writer = new TrailWriter({
      path: file,
      maxSizeBytes: 1_000_000,
      maxFiles: 1,
      maxQueue: 10,
      onProblem: (m, f) => problems.push([m, f]),
    });
    for (let i = 0; i < 15; i++) writer.record({ event: 'agent_renewed', spiffe_id: 'spiffe://td/a' });
    await writer.close();
    expect(writer.stats).toMatchObject({ written: 10, dropped: 5 });
    expect(problems).toEqual([['Audit trail queue full; events dropped', { dropped: 5 }]]);
  });

  it('never writes a join token or a secret-named field', async () => {
    const file = path.join(dir, 'trail.log');
    const writer = new TrailWriter({ path: file, maxSizeBytes: 1_000_000, maxFiles: 1 });
    const token = 'c0ffee00-1234-4bad-9abc-supersecret1';
    writer.record({
      event: 'agent_attested',
      spiffe_id: `spiffe://td/spire/agent/join_token/${token}`,
      nested: { private_key: 'PRIVATE', token },
    });
    await writer.close();
    const text = readFileSync(file, 'utf8');
    expect(text).not.toContain(token);
    expect(text).not.toContain('PRIVATE');
    expect(lines(file)[0]).toMatchObject({
      spiffe_id: `spiffe://td/spire/agent/join_token/${tokenFingerprint(token)}`,
      nested: { private_key: '[redacted]', token: '[redacted]' },
    });
  });
});

describe('readTrail', () => {
  const event = (time: string, kind: string, id: string): string =>
    JSON.stringify({ time, event: kind, spiffe_id: id });

  it('reads rotated files oldest first, filters, and skips malformed lines with a count', async () => {
    const file = path.join(dir, 't.log');
    writeFileSync(`${file}.2`, `${event('2026-12-01T10:00:00Z', 'x509_svid_issued', 'spiffe://td/a')}\n`);
    writeFileSync(
      `${file}.1`,
      `not json\n${event('2026-12-02T10:00:00Z', 'jwt_svid_minted', 'spiffe://td/a')}\n\n`,
    );
    writeFileSync(
      file,
      [
        event('2026-12-02T11:00:00Z', 'x509_svid_issued', 'spiffe://td/b'),
        '{"time":"yesterday","event":"x","spiffe_id":"spiffe://td/a"}',
        '[1,2]',
        event('2026-12-03T09:00:00Z', 'x509_svid_issued', 'spiffe://td/a'),
      ].join('\n'),
    );
    const stats = { lines: 0, malformed: 0 };
    const all = await collect(file, {}, stats);
    expect(all.map((e) => e.time)).toEqual([
      '2026-12-01T10:00:00Z',
      '2026-12-02T10:00:00Z',
      '2026-12-02T11:00:00Z',
      '2026-12-03T09:00:00Z',
    ]);
    expect(stats).toEqual({ lines: 7, malformed: 3 });
    const a = await collect(file, {
      spiffeId: 'spiffe://td/a',
      sinceMs: Date.parse('2026-12-02T00:00:00Z'),
      untilMs: Date.parse('2026-12-03T00:00:00Z'),
    });
    expect(a.map((e) => e.event)).toEqual(['jwt_svid_minted']);
    const issued = await collect(file, { events: ['x509_svid_issued'] });
    expect(issued).toHaveLength(3);
  });

  it('yields nothing for a trail that does not exist yet', async () => {
    expect(await collect(path.join(dir, 'missing.log'))).toEqual([]);
  });
});

describe('audit_trail config', () => {
  it('parses sizes and applies defaults', () => {
    expect(parseByteSize('64MiB', 'max_size')).toBe(64 * 1024 * 1024);
    expect(parseByteSize('100MB', 'max_size')).toBe(100_000_000);
    expect(parseByteSize('4096', 'max_size')).toBe(4096);
    const issues: ConfigIssue[] = [];
    expect(mapAuditTrail({ path: '/var/log/t.log' }, 'server', issues)).toEqual({
      path: '/var/log/t.log',
      maxSizeBytes: 100_000_000,
      maxFiles: 5,
    });
    expect(issues).toEqual([]);
  });

  it('reports a bad max_size naming the key', () => {
    const issues: ConfigIssue[] = [];
    expect(mapAuditTrail({ path: '/t', max_size: '10 parsecs' }, 'agent', issues)).toBeUndefined();
    expect(issues).toEqual([
      {
        path: 'agent.audit_trail.max_size',
        message: expect.stringContaining('invalid size "10 parsecs"') as string,
      },
    ]);
    expect(() => parseByteSize('0', 'max_size')).toThrow('max_size: size must be at least 1 byte');
  });
});
