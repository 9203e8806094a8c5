import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { parseQueryTime, runAuditQuery, type AuditQueryFlags } from '../../src';

let dir: string;
let file: string;
const NOW = Date.parse('2026-12-03T12:00:00Z');

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'query-'));
  file = path.join(dir, 'trail.log');
  const line = (o: Record<string, unknown>): string => JSON.stringify(o);
  writeFileSync(
    `${file}.1`,
    `${line({ time: '2026-12-01T23:59:00Z', event: 'x509_svid_issued', spiffe_id: 'spiffe://td/pay/api', serial: '1', agent_id: 'spiffe://td/spire/agent/n0' })}\n`,
  );
  writeFileSync(
    file,
    [
      line({
        time: '2026-12-02T08:00:00Z',
        event: 'x509_svid_issued',
        spiffe_id: 'spiffe://td/pay/api',
        serial: '2',
        agent_id: 'spiffe://td/spire/agent/n1',
      }),
      'garbage',
      line({
        time: '2026-12-02T09:00:00Z',
        event: 'jwt_svid_minted',
        spiffe_id: 'spiffe://td/pay/api',
        jti: 'j1',
        audience: ['sts.amazonaws.com'],
        agent_id: 'spiffe://td/spire/agent/n2',
      }),
      line({
        time: '2026-12-02T10:00:00Z',
        event: 'x509_svid_issued',
        spiffe_id: 'spiffe://td/other',
        serial: '3',
      }),
      line({
        time: '2026-12-03T01:00:00Z',
        event: 'x509_svid_issued',
        spiffe_id: 'spiffe://td/pay/api',
        serial: '4',
      }),
    ].join('\n'),
  );
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function query(flags: Partial<AuditQueryFlags>): Promise<{ code: number; out: string; err: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c: Buffer) => (out += c.toString()));
  stderr.on('data', (c: Buffer) => (err += c.toString()));
  const code = await runAuditQuery(
    { event: [], output: 'pretty', ...flags },
    { stdout, stderr, env: {} },
    () => file,
    NOW,
  );
  return { code, out, err };
}

describe('audit query', () => {
  it('answers "every SVID and cloud token spiffe://td/pay/api received yesterday, and on which node"', async () => {
    const res = await query({
      path: file,
      spiffeID: 'spiffe://td/pay/api',
      since: '2026-12-02T00:00:00Z',
      until: '2026-12-03T00:00:00Z',
      event: ['x509_svid_issued', 'jwt_svid_minted'],
      output: 'json',
    });
    expect(res.code).toBe(0);
    const body = JSON.parse(res.out) as { events: Array<Record<string, unknown>> };
    expect(body.events.map((e) => [e.serial ?? e.jti, e.agent_id])).toEqual([
      ['2', 'spiffe://td/spire/agent/n1'],
      ['j1', 'spiffe://td/spire/agent/n2'],
    ]);
    expect(res.err).toBe(`Warning: skipped 1 malformed line(s) of 6 in ${file}\n`);
  });

  it('prints a table, oldest first across rotated files, with relative -since', async () => {
    const res = await query({ config: '/etc/server.conf', spiffeID: 'spiffe://td/pay/api', since: '72h' });
    const rows = res.out.trimEnd().split('\n');
    expect(rows[0]).toMatch(/^TIME\s+EVENT\s+SPIFFE_ID\s+SERIAL\s+JTI\s+AGENT_ID\s+DETAIL$/);
    expect(rows.slice(1).map((r) => r.split(/\s+/)[0])).toEqual([
      '2026-12-01T23:59:00Z',
      '2026-12-02T08:00:00Z',
      '2026-12-02T09:00:00Z',
      '2026-12-03T01:00:00Z',
    ]);
    expect(rows[3]).toContain('audience=["sts.amazonaws.com"]');
  });

  it('refuses bad flags with a clear error', async () => {
    expect(await query({})).toMatchObject({
      code: 1,
      err: 'Error: a trail is required: use -path FILE or -config FILE\n',
    });
    expect(await query({ path: file, event: ['svid'] })).toMatchObject({
      code: 1,
      err: expect.stringContaining('invalid value "svid" for flag -event') as string,
    });
    expect(() => parseQueryTime('yesterday', 'since', NOW)).toThrow(
      'invalid value "yesterday" for flag -since',
    );
    expect(parseQueryTime('1h', 'since', NOW)).toBe(NOW - 3_600_000);
  });
});
