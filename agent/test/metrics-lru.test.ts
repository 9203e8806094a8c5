/**
 * `x509_svid_cache_max_size` on a real Prometheus endpoint: a real agent with a cache of 1 against a real server
 * and three entries; the SVID map stays at the cap (the LRU evicts), and entry adds/removals are counted with
 * SPIRE's `lru_cache_entry_*` names.
 */
import * as fs from 'node:fs';
import { Metrics, startPrometheusListener, type PrometheusListener } from '@lanyard/common';
import { Agent } from '../src/agent';
import {
  TD,
  LogCapture,
  agentConfig,
  agentDir,
  createEntry,
  createToken,
  deleteEntry,
  eventually,
  startTestServer,
  type TestServer,
} from './harness';
import { sample, scrape } from './prometheus-fixtures';

jest.setTimeout(120_000);

let ts: TestServer;
let agent: Agent;
let dir: string;
let listener: PrometheusListener;
let token: string;

beforeAll(async () => {
  ts = await startTestServer();
  dir = agentDir();
  token = await createToken(ts.admin);
  const metrics = new Metrics({ prefix: 'spire_agent' });
  listener = await startPrometheusListener({ host: '127.0.0.1', port: 0 }, metrics);
  const config = agentConfig(ts, dir, token, { extra: '  x509_svid_cache_max_size = 1' });
  agent = await Agent.start({ config, logger: new LogCapture('info').logger, metrics });
});

afterAll(async () => {
  await listener?.close();
  await agent?.stop();
  await ts.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('the SVID map stays at x509_svid_cache_max_size while entries come and go', async () => {
  const ids: string[] = [];
  for (const name of ['a', 'b', 'c']) {
    ids.push(
      await createEntry(ts.admin, {
        parentId: `spiffe://${TD}/spire/agent/join_token/${token}`,
        spiffeId: `spiffe://${TD}/lru/${name}`,
        selectors: [`unix:uid:${5000 + ids.length}`],
      }),
    );
  }
  // A sync ending with three cached entries but only one SVID: the other two were evicted or never signed.
  const full = await eventually('three cached entries with one SVID', async () => {
    const t = await scrape(listener);
    const records = sample(t, 'spire_agent_lru_cache_record_map_size', 'svid_type="x509"');
    const svids = sample(t, 'spire_agent_lru_cache_svid_map_size', 'svid_type="x509"');
    return records === 3 && svids === 1 ? t : undefined;
  });
  expect(sample(full, 'spire_agent_lru_cache_entry_add')).toBeGreaterThanOrEqual(3);
  await deleteEntry(ts.admin, ids[0]!);
  await deleteEntry(ts.admin, ids[1]!);
  // The removal counter moves when the entries leave the cache; the size gauges are set at the end of that
  // sync, so a scrape in between may still see three records: wait for both.
  const after = await eventually(
    'two removed entries counted and one record left',
    async () => {
      const t = await scrape(listener);
      const removed = sample(t, 'spire_agent_lru_cache_entry_remove');
      return removed === 2 && sample(t, 'spire_agent_lru_cache_record_map_size', 'svid_type="x509"') === 1
        ? t
        : undefined;
    },
    60_000,
  );
  expect(sample(after, 'spire_agent_lru_cache_entry_remove')).toBe(2);
});
