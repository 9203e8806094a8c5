/**
 * `x509_svid_cache_max_size` on a real Prometheus endpoint: a real agent with a cache of 1 against a real server
 * and three entries; the SVID map stays at the cap (the LRU evicts), and entry adds/removals are counted with
 * SPIRE's `lru_cache_entry_*` names.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
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

jest.setTimeout(120_000);

let ts: TestServer;
let agent: Agent;
let dir: string;
let listener: PrometheusListener;
let token: string;
const host = os.hostname();

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

async function scrape(): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${listener.address.port}/metrics`);
  return res.text();
}

function sample(text: string, name: string, labels = ''): number | undefined {
  const all = labels === '' ? `host="${host}"` : `${labels},host="${host}"`;
  const line = text.split('\n').find((l) => l.startsWith(`${name}{${all}} `));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

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
    const t = await scrape();
    const records = sample(t, 'spire_agent_lru_cache_record_map_size', 'svid_type="x509"');
    const svids = sample(t, 'spire_agent_lru_cache_svid_map_size', 'svid_type="x509"');
    return records === 3 && svids === 1 ? t : undefined;
  });
  expect(sample(full, 'spire_agent_lru_cache_entry_add')).toBeGreaterThanOrEqual(3);
  await deleteEntry(ts.admin, ids[0]!);
  await deleteEntry(ts.admin, ids[1]!);
  const after = await eventually('two removed entries counted', async () => {
    const t = await scrape();
    return sample(t, 'spire_agent_lru_cache_entry_remove') === 2 ? t : undefined;
  });
  expect(sample(after, 'spire_agent_lru_cache_record_map_size', 'svid_type="x509"')).toBe(1);
});
