/** `spire_agent_sds_api_connection` / `_connections`: every SDS call is counted while it runs, as in SPIRE. */
import { Metrics } from '@lanyard/common';
import { AgentTelemetry } from '../../../src/telemetry';
import { eventually, issueSvid, makeEntry, startApi, type RunningApi } from '../../workload-fixtures';
import { fetchSecrets, sdsClient, XdsStream } from './sds-fixtures';

let api: RunningApi;
const metrics = new Metrics({ prefix: 'spire_agent', hostnameLabel: false });

afterAll(async () => {
  await api?.close();
});

async function value(name: string): Promise<number | undefined> {
  const line = (await metrics.exposition()).split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

test('SDS calls are counted, and the gauge follows streams until they end', async () => {
  api = await startApi({ server: { telemetry: new AgentTelemetry(metrics) } });
  const entry = makeEntry('e1', 'spiffe://example.org/web', [`test:uid:${process.getuid!()}`]);
  api.cache.updateEntries([entry]);
  api.cache.setSvid('e1', issueSvid(api.td.ca, entry));
  const client = sdsClient(api.socketPath);
  try {
    await fetchSecrets(client, { resource_names: [] });
    expect(await value('spire_agent_sds_api_connection')).toBe(1);
    expect(await value('spire_agent_sds_api_connections')).toBe(0);

    const stream = new XdsStream(client);
    stream.send({ resource_names: [] });
    await stream.next();
    expect(await value('spire_agent_sds_api_connection')).toBe(2);
    expect(await value('spire_agent_sds_api_connections')).toBe(1);
    stream.cancel();
    await stream.ended;
    let open: number | undefined;
    await eventually(() => {
      void value('spire_agent_sds_api_connections').then((v) => (open = v));
      return open === 0;
    });

    const refused = new XdsStream(client);
    refused.send({ resource_names: ['spiffe://example.org/other'] });
    await refused.ended;
    open = undefined;
    await eventually(() => {
      void value('spire_agent_sds_api_connections').then((v) => (open = v));
      return open === 0;
    });
    expect(await value('spire_agent_sds_api_connection')).toBe(3);
  } finally {
    client.close();
  }
});
