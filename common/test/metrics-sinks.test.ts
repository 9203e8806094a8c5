import { X509Certificate } from 'node:crypto';
import * as fs from 'node:fs';
import * as https from 'node:https';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  DogStatsdSink,
  MetricFilter,
  Metrics,
  StatsdSink,
  decodeConfig,
  parseConfigText,
  startPrometheusListener,
  telemetryIssues,
  telemetrySchema,
  formatIssue,
} from '@lanyard/common';
import { TestCa, startUdpCollector } from '@lanyard/test-support';

describe('statsd sinks', () => {
  it('send go-metrics names: plain statsd puts label values in the name, DogStatsD sends tags', async () => {
    const plain = await startUdpCollector();
    const dog = await startUdpCollector();
    const metrics = new Metrics({
      prefix: 'spire_server',
      hostnameLabel: false,
      trustDomain: 'spiffe://example.org',
      sinks: [
        new StatsdSink({ host: '127.0.0.1', port: plain.port }),
        new DogStatsdSink({ host: '127.0.0.1', port: dog.port }),
      ],
    });
    try {
      metrics.incrCounter(['server_ca', 'sign', 'x509_svid']);
      metrics.setGauge(['entry', 'entries_by_entryid_cache', 'count'], 42);
      metrics.measureCall(['datastore', 'registration_entry', 'create'], 'OK', 3);
      await plain.waitFor((lines) => lines.length >= 4);
      await dog.waitFor((lines) => lines.length >= 4);
      expect(plain.lines).toEqual([
        'spire_server.server_ca.sign.x509_svid.spiffe_//example.org:1|c',
        'spire_server.entry.entries_by_entryid_cache.count.spiffe_//example.org:42|g',
        'spire_server.datastore.registration_entry.create.OK.spiffe_//example.org:1|c',
        'spire_server.datastore.registration_entry.create.elapsed_time.OK.spiffe_//example.org:3|ms',
      ]);
      expect(dog.lines).toEqual([
        'spire_server.server_ca.sign.x509_svid:1|c|#trust_domain_id:spiffe_//example.org',
        'spire_server.entry.entries_by_entryid_cache.count:42|g|#trust_domain_id:spiffe_//example.org',
        'spire_server.datastore.registration_entry.create:1|c|#status:OK,trust_domain_id:spiffe_//example.org',
        'spire_server.datastore.registration_entry.create.elapsed_time:3|ms|#status:OK,trust_domain_id:spiffe_//example.org',
      ]);
    } finally {
      await metrics.close();
      await plain.close();
      await dog.close();
    }
  });
});

describe('metric filters', () => {
  it('keep or drop by the longest dot-separated prefix and drop labels by name, in every sink', async () => {
    const plain = await startUdpCollector();
    const metrics = new Metrics({
      prefix: 'spire_server',
      filter: new MetricFilter({
        allowedPrefixes: ['spire_server.datastore.bundle'],
        blockedPrefixes: ['spire_server.datastore'],
        blockedLabels: ['host'],
      }),
      sinks: [new StatsdSink({ host: '127.0.0.1', port: plain.port })],
    });
    try {
      metrics.incrCounter(['datastore', 'node', 'fetch'], { status: 'OK' });
      metrics.incrCounter(['datastore', 'bundle', 'fetch'], { status: 'OK' });
      metrics.incrCounter(['started'], { version: '1' });
      await plain.waitFor((lines) => lines.length >= 2);
      expect(plain.lines).toEqual([
        'spire_server.datastore.bundle.fetch.OK:1|c',
        'spire_server.started.1:1|c',
      ]);
      const text = await metrics.exposition();
      expect(text).not.toContain('spire_server_datastore_node_fetch');
      expect(text).toContain('spire_server_datastore_bundle_fetch{status="OK"} 1');
      expect(text).not.toContain('host=');
    } finally {
      await metrics.close();
      await plain.close();
    }
  });

  it('keeps only AllowedLabels when set', () => {
    const filter = new MetricFilter({ allowedLabels: ['status'] });
    expect(filter.labels({ status: 'OK', host: 'h', attestor: 'unix' })).toEqual({ status: 'OK' });
    expect(new MetricFilter({}).keepsEverything).toBe(true);
  });
});

function issuesOf(text: string): string[] {
  const parsed = parseConfigText(text);
  const block = decodeConfig(parsed, telemetrySchema, ['telemetry']).value;
  return telemetryIssues(block, parsed.positions).map(formatIssue);
}

describe('telemetry block validation', () => {
  it('names bad sink addresses, unknown sink keys and an incomplete Prometheus tls block', () => {
    expect(
      issuesOf(
        'telemetry {\n Statsd = [{ address = "nohost" }]\n DogStatsd = [{ address = "h:8125", tags = "x" }]\n' +
          ' Prometheus {\n  tls { cert_file = "/c.pem" }\n }\n}',
      ),
    ).toEqual([
      'telemetry.Statsd.address (line 2, column 14): "nohost" is not host:port',
      'telemetry.DogStatsd.tags (line 3, column 37): unknown key "tags" (only address is allowed)',
      'telemetry.Prometheus.tls (line 5, column 3): cert_file and key_file must both be configured unless use_spire_svid is enabled',
    ]);
    expect(issuesOf('telemetry {\n Statsd = [{ address = "h:70000" }] }')).toEqual([
      'telemetry.Statsd.address (line 2, column 14): port 70000 of "h:70000" is out of range 1-65535',
    ]);
  });

  it('refuses the SVID-based Prometheus TLS modes with a reason', () => {
    const issues = issuesOf('telemetry { Prometheus { tls { use_spire_svid = true } } }');
    expect(issues).toHaveLength(1);
    expect(issues[0]).toContain('use_spire_svid');
    expect(issues[0]).toContain('is not supported by Lanyard');
  });
});

describe('Prometheus over TLS', () => {
  it('serves metrics over HTTPS and requires a client certificate from client_ca_file', async () => {
    const ca = TestCa.create({ trustDomain: 'metrics.test' });
    const serving = ca.issueCertificate({ dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] });
    const client = ca.issueCertificate({ subject: { commonName: 'scraper' } });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'prom-tls-'));
    const write = (name: string, data: string) => {
      fs.writeFileSync(path.join(dir, name), data);
      return path.join(dir, name);
    };
    const caPem = ca
      .bundle()
      .map((der) => new X509Certificate(der).toString())
      .join('');
    const tls = {
      cert_file: write('cert.pem', serving.pem),
      key_file: write('key.pem', serving.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()),
      client_ca_file: write('ca.pem', caPem),
    };
    const metrics = new Metrics({ prefix: 'spire_agent', hostnameLabel: false });
    metrics.setGauge(['started'], 1);
    const listener = await startPrometheusListener({ host: '127.0.0.1', port: 0, tls }, metrics);
    const get = (withCert: boolean) =>
      new Promise<string>((resolve, reject) => {
        const req = https.get(
          {
            host: '127.0.0.1',
            port: listener.address.port,
            ca: caPem,
            ...(withCert
              ? {
                  cert: client.pem,
                  key: client.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
                }
              : {}),
          },
          (res) => {
            let body = '';
            res.on('data', (chunk) => (body += chunk));
            res.on('end', () => resolve(body));
          },
        );
        req.on('error', reject);
      });
    try {
      expect(await get(true)).toContain('spire_agent_started 1');
      await expect(get(false)).rejects.toThrow();
    } finally {
      await listener.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
