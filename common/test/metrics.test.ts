import * as os from 'node:os';
import {
  Metrics,
  createMetrics,
  metricSnakeCase,
  parseConfigText,
  decodeConfig,
  rpcMetricKey,
  startPrometheusListener,
  telemetryConfig,
  telemetrySchema,
  unsupportedSinkWarnings,
} from '@lanyard/common';

describe('SPIRE metric naming', () => {
  it.each([
    ['AttestAgent', 'attest_agent'],
    ['FetchX509SVID', 'fetch_x509svid'],
    ['BatchNewX509SVID', 'batch_new_x509svid'],
    ['NewJWTSVID', 'new_jwtsvid'],
    ['FetchJWTBundles', 'fetch_jwt_bundles'],
    ['FetchX509Bundles', 'fetch_x509_bundles'],
    ['GetAuthorizedEntries', 'get_authorized_entries'],
  ])('%s -> %s', (name, snake) => expect(metricSnakeCase(name)).toBe(snake));

  it('builds RPC keys like spire_server_rpc_agent_v1_agent_attest_agent', () => {
    const metrics = new Metrics({ prefix: 'spire_server', hostnameLabel: false });
    expect(metrics.name(rpcMetricKey('spire.api.server.agent.v1.Agent', 'AttestAgent'))).toBe(
      'spire_server_rpc_agent_v1_agent_attest_agent',
    );
    expect(metrics.name(rpcMetricKey('spire.api.server.svid.v1.SVID', 'BatchNewX509SVID'))).toBe(
      'spire_server_rpc_svid_v1_svid_batch_new_x509svid',
    );
  });
});

describe('telemetry block', () => {
  it('applies defaults, reads the statsd sinks and warns about the sinks Lanyard does not serve', () => {
    const parsed = parseConfigText(
      'telemetry {\n Prometheus { port = 9988 }\n DogStatsd = [{ address = "localhost:8125" }]\n' +
        ' Statsd = [{ address = "[::1]:9125" }]\n M3 = [{ address = "m3:1", env = "prod" }]\n}',
    );
    const block = decodeConfig(parsed, telemetrySchema, ['telemetry']).value;
    expect(telemetryConfig(block, 'spire_server')).toEqual({
      prometheus: { host: 'localhost', port: 9988, tls: undefined },
      statsd: [{ host: '::1', port: 9125 }],
      dogStatsd: [{ host: 'localhost', port: 8125 }],
      prefix: 'spire_server',
      enableTrustDomainLabel: false,
      enableHostnameLabel: true,
      filter: { allowedPrefixes: [], blockedPrefixes: [], allowedLabels: undefined, blockedLabels: [] },
    });
    expect(unsupportedSinkWarnings(block)).toEqual([
      'telemetry sink M3 is not supported by Lanyard and is ignored; use Prometheus, Statsd or DogStatsd',
    ]);
  });
});

describe('recording', () => {
  const metricsFor = (telemetryBlock: string): Metrics => {
    const parsed = parseConfigText(`telemetry {\n${telemetryBlock}\n}`);
    const block = decodeConfig(parsed, telemetrySchema, ['telemetry']).value;
    return createMetrics(telemetryConfig(block, 'spire_agent'), { trustDomainId: 'spiffe://example.org' });
  };
  const observeAll = (metrics: Metrics): void => {
    metrics.incrCounter(['started']);
    metrics.setGauge(['workload_api', 'connections'], 3);
    metrics.measureCall(['rpc', 'workload_api', 'fetch_x509svid'], 'OK', 2.5);
  };

  it('drops every observation when no Prometheus listener and no sink can read them', async () => {
    const metrics = metricsFor('');
    observeAll(metrics);
    expect(metrics.recording).toBe(false);
    expect(await metrics.exposition()).not.toContain('spire_agent_');
  });

  it('records when a Prometheus block is configured', async () => {
    const metrics = metricsFor('Prometheus { port = 9988 }');
    observeAll(metrics);
    expect(metrics.recording).toBe(true);
    const text = await metrics.exposition();
    expect(text).toContain('spire_agent_started');
    expect(text).toContain('spire_agent_workload_api_connections');
    expect(text).toContain('spire_agent_rpc_workload_api_fetch_x509svid_elapsed_time_count');
  });
});

describe('Prometheus listener', () => {
  it('serves counters, gauges and call summaries on any path with the host label', async () => {
    const metrics = new Metrics({ prefix: 'spire_agent', trustDomain: 'example.org' });
    metrics.incrCounter(['started'], { version: '0.1.0' });
    metrics.setGauge(['workload_api', 'connections'], 3);
    metrics.measureCall(['rpc', 'workload_api', 'fetch_x509svid'], 'OK', 2.5);
    const listener = await startPrometheusListener({ host: '127.0.0.1', port: 0 }, metrics);
    try {
      const res = await fetch(`http://127.0.0.1:${listener.address.port}/anything`);
      const text = await res.text();
      expect(res.status).toBe(200);
      const host = os.hostname();
      expect(text).toContain(
        `spire_agent_started{version="0.1.0",host="${host}",trust_domain_id="example.org"} 1`,
      );
      expect(text).toContain(
        `spire_agent_workload_api_connections{host="${host}",trust_domain_id="example.org"} 3`,
      );
      expect(text).toContain('spire_agent_rpc_workload_api_fetch_x509svid{status="OK"');
      expect(text).toContain('spire_agent_rpc_workload_api_fetch_x509svid_elapsed_time_count{status="OK"');
      expect(text).toMatch(
        /spire_agent_rpc_workload_api_fetch_x509svid_elapsed_time_sum\{status="OK"[^}]*\} 2\.5\n/,
      );
    } finally {
      await listener.close();
    }
  });
});
