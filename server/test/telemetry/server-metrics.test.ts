import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startUdpCollector, type UdpCollector } from '@lanyard/test-support';
import { freePort, runCapturedCli, startCapturedRun, waitUntil } from '../cli/in-process-cli';

describe('server metrics with SPIRE names, in Prometheus and statsd, filtered', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'lysm-'));
  let statsd: UdpCollector;
  beforeAll(async () => (statsd = await startUdpCollector()));
  afterAll(async () => {
    await statsd.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('exports datastore, CA and entry-cache metrics; a blocked prefix reaches no sink', async () => {
    const metricsPort = await freePort();
    const socket = path.join(dir, 'api.sock');
    const conf = path.join(dir, 'server.conf');
    writeFileSync(
      conf,
      `server {
  bind_address = "127.0.0.1"
  bind_port = "0"
  socket_path = "${socket}"
  trust_domain = "example.org"
  data_dir = "${dir}"
  log_level = "ERROR"
}
plugins {
  DataStore "sql" { plugin_data { database_type = "sqlite3" connection_string = "${dir}/ds.sqlite3" } }
  KeyManager "memory" { plugin_data {} }
  NodeAttestor "join_token" { plugin_data {} }
}
telemetry {
  Prometheus { host = "127.0.0.1" port = ${metricsPort} }
  Statsd = [{ address = "127.0.0.1:${statsd.port}" }]
  EnableHostnameLabel = false
  BlockedPrefixes = ["spire_server.datastore.join_token"]
}
`,
    );
    const run = startCapturedRun(['-config', conf]);
    try {
      await waitUntil(
        async () => (await runCapturedCli(['healthcheck', '-socketPath', socket])).code === 0,
        'the server to be healthy',
      );
      const created = await runCapturedCli([
        'entry',
        'create',
        '-socketPath',
        socket,
        '-parentID',
        'spiffe://example.org/node',
        '-spiffeID',
        'spiffe://example.org/web',
        '-selector',
        'unix:uid:1000',
      ]);
      expect(created.err).toBe('');
      expect(created.code).toBe(0);
      expect((await runCapturedCli(['token', 'generate', '-socketPath', socket])).code).toBe(0);

      let text = '';
      await waitUntil(async () => {
        text = await (await fetch(`http://127.0.0.1:${metricsPort}/`)).text();
        return text.includes('spire_server_entry_entries_by_entryid_cache_count 1');
      }, 'the entry cache gauge to count the new entry');
      expect(text).toMatch(/spire_server_datastore_registration_entry_create\{status="OK"\} 1\n/);
      expect(text).toMatch(
        /spire_server_datastore_registration_entry_create_elapsed_time_count\{status="OK"\} 1\n/,
      );
      expect(text).toMatch(/spire_server_server_ca_sign_x509_svid [1-9]/);
      expect(text).toMatch(
        /spire_server_manager_x509_ca_rotate_ttl\{trust_domain_id="spiffe:\/\/example.org"\} \d/,
      );
      expect(text).toMatch(/spire_server_node_agents_by_id_cache_count 0\n/);
      expect(text).not.toContain('spire_server_datastore_join_token');

      await statsd.waitFor((lines) =>
        lines.some((l) => l.startsWith('spire_server.datastore.registration_entry.create.OK:1|c')),
      );
      expect(statsd.lines.some((l) => l.startsWith('spire_server.server_ca.sign.x509_svid:'))).toBe(true);
      expect(statsd.lines.filter((l) => l.includes('datastore.join_token'))).toEqual([]);
      expect(statsd.lines).toContain('spire_server.rpc.agent.v1.agent.create_join_token.OK:1|c');
    } finally {
      run.stop();
    }
    expect(await run.exited).toBe(0);
  });
});
