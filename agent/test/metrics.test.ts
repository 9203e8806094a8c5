/**
 * The agent's own metrics on a real Prometheus endpoint: a real agent attested against a real server (short
 * agent SVID TTL so it rotates), one sync with an entry for this process, and Workload API calls over the
 * socket.
 */
import * as fs from 'node:fs';
import type * as grpc from '@grpc/grpc-js';
import { Metrics, startPrometheusListener, type PrometheusListener } from '@lanyard/common';
import { Agent } from '../src/agent';
import {
  TD,
  LogCapture,
  agentConfig,
  agentDir,
  createEntry,
  createToken,
  eventually,
  startTestServer,
  type TestServer,
} from './harness';
import { sample, scrape } from './prometheus-fixtures';
import { StreamReader, header, unary, workloadClient } from './workload-fixtures';

jest.setTimeout(90_000);

let ts: TestServer;
let agent: Agent;
let dir: string;
let listener: PrometheusListener;

beforeAll(async () => {
  ts = await startTestServer({ agentTtlSeconds: 20 });
  dir = agentDir();
  const token = await createToken(ts.admin);
  const metrics = new Metrics({ prefix: 'spire_agent' });
  listener = await startPrometheusListener({ host: '127.0.0.1', port: 0 }, metrics);
  const config = agentConfig(ts, dir, token);
  agent = await Agent.start({ config, logger: new LogCapture('info').logger, metrics });
  await createEntry(ts.admin, {
    parentId: `spiffe://${TD}/spire/agent/join_token/${token}`,
    spiffeId: `spiffe://${TD}/metrics/app`,
    selectors: [`unix:uid:${process.getuid!()}`],
  });
  await eventually('an SVID for the entry', () => (agent.cache.svidCount > 0 ? true : undefined));
});

afterAll(async () => {
  await listener?.close();
  await agent?.stop();
  await ts.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('sync, cache and attestation metrics carry SPIRE names', async () => {
  // The cache gauges are set at the end of a sync: wait for one that saw the SVID.
  const text = await eventually('a sync that counted the SVID', async () => {
    const t = await scrape(listener);
    return sample(t, 'spire_agent_lru_cache_svid_map_size', 'svid_type="x509"') === 1 ? t : undefined;
  });
  for (const key of ['manager_sync_fetch_entries_updates', 'manager_sync_fetch_svids_updates']) {
    expect(sample(text, `spire_agent_${key}`, 'status="OK"')).toBeGreaterThanOrEqual(2);
    expect(sample(text, `spire_agent_${key}_elapsed_time_count`, 'status="OK"')).toBeGreaterThanOrEqual(2);
  }
  expect(sample(text, 'spire_agent_node_attestor_new_svid', 'status="OK"')).toBe(1);
  expect(sample(text, 'spire_agent_lru_cache_record_map_size', 'svid_type="x509"')).toBe(1);
  expect(sample(text, 'spire_agent_jwt_svid_cache_size')).toBe(0);
  expect(sample(text, 'spire_agent_cache_manager_expiring_svids_sum')).toBeGreaterThanOrEqual(1);
  expect(sample(text, 'spire_agent_uptime_in_ms')).toBeGreaterThanOrEqual(0);
});

test('Workload API calls are counted by method and status', async () => {
  const client = workloadClient(agent.workloadApi!.socketPath);
  try {
    await unary(client.FetchJWTSVID.bind(client), { audience: ['db'] });
    const refused = await unary(client.FetchJWTSVID.bind(client), { audience: [] }).catch(
      (err: grpc.ServiceError) => err,
    );
    expect((refused as grpc.ServiceError).code).toBe(3);
    const reader = new StreamReader(client.FetchX509SVID({}, header()));
    await reader.next(10_000);
    reader.cancel();
    const text = await eventually('the cancelled stream to be counted', async () => {
      const t = await scrape(listener);
      const name = 'spire_agent_rpc_workload_api_fetch_x509svid';
      return sample(t, name, 'status="Canceled"') === 1 ? t : undefined;
    });
    const jwt = 'spire_agent_rpc_workload_api_fetch_jwtsvid';
    expect(sample(text, jwt, 'status="OK"')).toBe(1);
    expect(sample(text, jwt, 'status="InvalidArgument"')).toBe(1);
    expect(sample(text, `${jwt}_elapsed_time_count`, 'status="OK"')).toBe(1);
    expect(
      sample(text, 'spire_agent_rpc_workload_api_fetch_x509svid_elapsed_time_count', 'status="Canceled"'),
    ).toBe(1);
    const attestations = 'spire_agent_workload_api_workload_attestation';
    expect(sample(text, attestations, 'status="OK"')).toBeGreaterThanOrEqual(2);
    expect(sample(text, `${attestations}_elapsed_time_count`, 'status="OK"')).toBeGreaterThanOrEqual(2);
    const unix = 'attestor="unix",status="OK"';
    expect(sample(text, 'spire_agent_workload_api_workload_attestor', unix)).toBeGreaterThanOrEqual(2);
    expect(sample(text, 'spire_agent_workload_api_connection')).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'spire_agent_workload_api_connections')).toBeGreaterThanOrEqual(1);
  } finally {
    client.close();
  }
});

test('the agent SVID rotation is counted (20 s TTL: renewed at half-life)', async () => {
  await eventually(
    'an agent SVID rotation',
    async () =>
      sample(await scrape(listener), 'spire_agent_agent_svid_rotate', 'status="OK"') === 1 ? true : undefined,
    40_000,
  );
  const text = await scrape(listener);
  expect(sample(text, 'spire_agent_agent_svid_rotate_elapsed_time_count', 'status="OK"')).toBe(1);
});
