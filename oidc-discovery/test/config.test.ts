import { parseConfigText } from '@lanyard/common';
import { oidcConfigFromParsed } from '../src';

function load(text: string) {
  return oidcConfigFromParsed(parseConfigText(text));
}

function error(text: string): string {
  try {
    load(text);
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('config was accepted');
}

const SOURCE = 'server_api { address = "unix:///tmp/spire-server/private/api.sock" }';

test("SPIRE's serving_cert_file + server_api example loads with SPIRE's defaults", () => {
  const config = load(`
    log_level = "debug"
    domains = ["mypublicdomain.test"]
    serving_cert_file {
      cert_file_path = "/some/cert.pem"
      key_file_path = "/some/key.pem"
    }
    ${SOURCE}
  `);
  expect(config).toMatchObject({
    logLevel: 'debug',
    domains: ['mypublicdomain.test'],
    serving: { kind: 'serving_cert_file', fileSyncIntervalMs: 60_000, host: '', port: 443 },
    source: { kind: 'server_api', socketPath: '/tmp/spire-server/private/api.sock', pollIntervalMs: 10_000 },
    setKeyUse: false,
    pathPrefix: '/',
    allowInsecureScheme: false,
  });
  expect(config.health).toBeUndefined();
});

test('workload_api and file sources, listen_socket_path, insecure_addr, health checks and prefix', () => {
  expect(
    load(`
      domains = ["a.test"]
      listen_socket_path = "/run/oidc.sock"
      workload_api {
        socket_path = "/tmp/agent.sock"
        trust_domain = "example.org"
        poll_interval = "2s"
      }
      health_checks {}
      server_path_prefix = "/tenant-a"
    `),
  ).toMatchObject({
    serving: { kind: 'listen_socket_path', socketPath: '/run/oidc.sock' },
    source: { kind: 'workload_api', trustDomain: 'example.org', pollIntervalMs: 2000 },
    health: { bindPort: 8008, readyPath: '/ready', livePath: '/live' },
    pathPrefix: '/tenant-a/',
  });
  expect(
    load(`
      domains = ["a.test"]
      insecure_addr = "127.0.0.1:8080"
      allow_insecure_scheme = true
      file { path = "/etc/bundle.json" }
    `),
  ).toMatchObject({
    serving: { kind: 'insecure_addr', host: '127.0.0.1', port: 8080 },
    source: { kind: 'file', path: '/etc/bundle.json' },
    allowInsecureScheme: true,
  });
});

test('acme is refused with a clear error', () => {
  expect(
    error(`domains = ["a.test"]\nacme { email = "x@a.test"\n tos_accepted = true }\n${SOURCE}`),
  ).toContain('acme is not supported yet');
});

test('every problem is reported at once, naming the key', () => {
  const message = error(`
    domains = ["bücher.test"]
    insecure_addr = "localhost"
    server_api { address = "127.0.0.1:8081" }
    jwt_issuer = "not a url"
    log_level = "loud"
  `);
  expect(message).toContain('domain "bücher.test" must be an ASCII (punycode) host name');
  expect(message).toContain('insecure_addr "localhost" is not a host:port address');
  expect(message).toContain('server_api.address "127.0.0.1:8081" must be a unix:///path address');
  expect(message).toContain('jwt_issuer "not a url" is not a URL');
  expect(message).toContain('unknown log level "loud"');
});

test('exactly one way of serving and one key source; unknown keys are reported', () => {
  expect(error(`domains = ["a.test"]\n${SOURCE}`)).toContain(
    'one of serving_cert_file, listen_socket_path or insecure_addr must be configured',
  );
  expect(
    error(`domains = ["a.test"]\ninsecure_addr = ":80"\nlisten_socket_path = "/s"\n${SOURCE}`),
  ).toContain('only one of listen_socket_path, insecure_addr may be configured');
  expect(error(`domains = ["a.test"]\ninsecure_addr = ":80"`)).toContain(
    'one of server_api, workload_api or file must be configured',
  );
  expect(error(`domains = []\ninsecure_addr = ":80"\n${SOURCE}`)).toContain(
    'at least one domain must be configured',
  );
  expect(error(`domains = ["a.test"]\ninsecure_addr = ":80"\n${SOURCE}\nissuer = "x"`)).toContain('issuer');
  expect(error(`domains = ["a.test"]\ninsecure_addr = ":80"\nworkload_api { socket_path = "/s" }`)).toContain(
    'trust_domain must be configured in the workload_api block',
  );
});

test('allow_insecure_scheme only goes with insecure_addr or listen_socket_path', () => {
  expect(
    error(`
      domains = ["a.test"]
      allow_insecure_scheme = true
      serving_cert_file {
        cert_file_path = "/c"
        key_file_path = "/k"
      }
      ${SOURCE}
    `),
  ).toContain('allow_insecure_scheme only works with insecure_addr or listen_socket_path');
});
