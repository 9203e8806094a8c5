import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runCli } from '../../src/cli/program';
import { captureCli as capture, freePort } from './in-process-cli';

function serverConf(dir: string, extra = '', topLevel = ''): string {
  const file = path.join(dir, 'server.conf');
  writeFileSync(
    file,
    `server {
  bind_address = "127.0.0.1"
  bind_port = "0"
  socket_path = "${dir}/api.sock"
  trust_domain = "$TD"
  data_dir = "${dir}"
  log_level = "ERROR"
  ${extra}
}
plugins {
  DataStore "sql" {
    plugin_data {
      database_type = "sqlite3"
      connection_string = "${dir}/datastore.sqlite3"
    }
  }
  KeyManager "memory" {
    plugin_data {}
  }
  NodeAttestor "join_token" {
    plugin_data {}
  }
}
${topLevel}
`,
  );
  return file;
}

describe('lanyard-server CLI', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'lyc-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('validate reports a valid config and a broken one', async () => {
    const conf = serverConf(dir);
    const ok = capture(undefined, { TD: 'example.org' });
    expect(await runCli(['validate', '-config', conf, '-expandEnv'], ok.io)).toBe(0);
    expect(ok.out()).toBe('SPIRE server configuration file is valid.\n');
    const bad = capture(undefined, {});
    expect(await runCli(['validate', '-config', conf, '-expandEnv'], bad.io)).toBe(1);
    expect(bad.err()).toMatch(/^SPIRE server configuration file is invalid: /);
    const missing = capture();
    expect(await runCli(['validate', '-config', path.join(dir, 'nope.conf')], missing.io)).toBe(1);
  });

  it('run serves until signalled; healthcheck sees it healthy, then unhealthy after stop', async () => {
    const [healthPort, metricsPort] = [await freePort(), await freePort()];
    const conf = serverConf(
      dir,
      '',
      `health_checks {
  listener_enabled = true
  bind_address = "127.0.0.1"
  bind_port = "${healthPort}"
}
telemetry {
  Prometheus {
    host = "127.0.0.1"
    port = ${metricsPort}
  }
}`,
    );
    let signal: (s: string) => void = () => undefined;
    const stop = new Promise<string>((resolve) => (signal = resolve));
    const runner = capture(stop, { TD: 'example.org' });
    const running = runCli(
      ['run', '-config', conf, '-expandEnv', '-socketPath', `${dir}/flag.sock`],
      runner.io,
    );
    let healthy = '';
    for (let i = 0; i < 100 && healthy === ''; i++) {
      const check = capture();
      if ((await runCli(['healthcheck', '-socketPath', `${dir}/flag.sock`], check.io)) === 0)
        healthy = check.out();
      else await new Promise((r) => setTimeout(r, 100));
    }
    expect(healthy).toBe('Server is healthy.\n');
    try {
      // The HTTP listeners start right after the gRPC ones: poll briefly.
      let ready: Response | undefined;
      for (let i = 0; i < 50 && ready === undefined; i++) {
        ready = await fetch(`http://127.0.0.1:${healthPort}/ready`).catch(async () => {
          await new Promise((r) => setTimeout(r, 50));
          return undefined;
        });
      }
      expect(ready?.status).toBe(200);
      expect(await ready?.json()).toEqual({ server: { ready: true }, 'catalog.datastore': { ready: true } });
      const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
      expect(metrics).toContain('spire_server_started');
      expect(metrics).toMatch(/spire_server_rpc_grpc_health_v1_health_check\{[^}]*status="OK"/);
    } finally {
      signal('SIGTERM');
    }
    expect(await running).toBe(0);
    const after = capture();
    expect(await runCli(['healthcheck', '-socketPath', `${dir}/flag.sock`, '-verbose'], after.io)).toBe(1);
    expect(after.out()).toBe('Checking server health...\n');
    expect(after.err()).toContain('Error: server is unhealthy: unable to determine health\n');
  });

  it('run fails with a clear error on a bad flag value', async () => {
    const bad = capture(undefined, { TD: 'example.org' });
    expect(
      await runCli(['run', '-config', serverConf(dir), '-expandEnv', '-serverPort', 'http'], bad.io),
    ).toBe(1);
    expect(bad.err()).toBe('Error: invalid value "http" for flag -serverPort\n');
  });

  it('unknown commands exit 127 and no arguments print usage with exit 1', async () => {
    expect(await runCli(['frobnicate'], capture().io)).toBe(127);
    const none = capture();
    expect(await runCli([], none.io)).toBe(1);
    expect(none.err()).toContain('Usage: lanyard-server');
  });
});
