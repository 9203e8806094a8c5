import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer, type AddressInfo } from 'node:net';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { startUdpCollector, type UdpCollector } from '@lanyard/test-support';
import type { CliIo } from '../../src/cli/io';
import { runCli } from '../../src/cli/program';

function capture(stop: Promise<string> = new Promise(() => undefined)) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d: Buffer) => (out += d.toString()));
  stderr.on('data', (d: Buffer) => (err += d.toString()));
  const io: CliIo = { stdout, stderr, env: {}, stopSignal: () => stop };
  return { io, out: () => out, err: () => err };
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const port = (srv.address() as AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

async function until<T>(probe: () => Promise<T | undefined>, what: string): Promise<T> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

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
    let signal: (s: string) => void = () => undefined;
    const running = runCli(['run', '-config', conf], capture(new Promise((r) => (signal = r))).io);
    try {
      await until(async () => {
        const check = capture();
        return (await runCli(['healthcheck', '-socketPath', socket], check.io)) === 0 ? true : undefined;
      }, 'the server to be healthy');
      const create = capture();
      const created = await runCli(
        [
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
        ],
        create.io,
      );
      expect(create.err()).toBe('');
      expect(created).toBe(0);
      const token = capture();
      expect(await runCli(['token', 'generate', '-socketPath', socket], token.io)).toBe(0);

      const text = await until(async () => {
        const body = await (await fetch(`http://127.0.0.1:${metricsPort}/`)).text();
        return body.includes('spire_server_entry_entries_by_entryid_cache_count 1') ? body : undefined;
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
      signal('SIGTERM');
    }
    expect(await running).toBe(0);
  });
});
