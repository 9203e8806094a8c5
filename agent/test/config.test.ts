import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { EXPERIMENTAL_WARNING, loadAgentConfig, parseAgentConfig } from '../src/config';

const BASE = `agent {
  data_dir = "/var/lib/lanyard"
  server_address = "spire-server"
  server_port = 8081
  trust_bundle_path = "/etc/bundle.pem"
  trust_domain = "example.org"
}
plugins {
  NodeAttestor "join_token" { plugin_data {} }
  KeyManager "disk" { plugin_data {} }
  WorkloadAttestor "unix" { plugin_data {} }
}
`;

function withAgent(lines: string, base = BASE): string {
  return base.replace('agent {\n', `agent {\n${lines}\n`);
}

function errorOf(text: string, flags = {}): string {
  try {
    parseAgentConfig(text, { flags });
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('config was accepted');
}

test('a minimal HCL config gets SPIRE defaults', () => {
  const { config, warnings } = parseAgentConfig(BASE);
  expect(config.agent).toMatchObject({
    dataDir: '/var/lib/lanyard',
    serverAddress: 'spire-server',
    serverPort: 8081,
    socketPath: '/tmp/spire-agent/public/api.sock',
    trustDomain: 'example.org',
    trustBootstrap: { kind: 'path', path: '/etc/bundle.pem', format: 'pem' },
    logLevel: 'info',
    logFormat: 'text',
    x509SvidCacheMaxSize: 1000,
    jwtSvidCacheMaxSize: 1000,
    workloadKeyType: 'ec-p256',
    syncIntervalMs: 5000,
    allowUnauthenticatedVerifiers: false,
  });
  expect(config.plugins).toEqual({
    nodeAttestor: { name: 'join_token', data: {} },
    keyManager: 'disk',
    workloadAttestors: [{ name: 'unix', data: {} }],
    svidStores: [],
  });
  expect(config.healthChecks.listenerEnabled).toBe(false);
  expect(warnings).toEqual([]);
});

test('the same config in JSON is read identically', () => {
  const json = JSON.stringify({
    agent: {
      data_dir: '/var/lib/lanyard',
      server_address: 'spire-server',
      server_port: 8081,
      trust_bundle_path: '/etc/bundle.pem',
      trust_domain: 'example.org',
    },
    plugins: {
      NodeAttestor: [{ join_token: [{ plugin_data: {} }] }],
      KeyManager: [{ disk: [{ plugin_data: {} }] }],
      WorkloadAttestor: [{ unix: [{ plugin_data: {} }] }],
    },
  });
  expect(parseAgentConfig(json).config.agent).toEqual(parseAgentConfig(BASE).config.agent);
});

test('missing sections and required keys use SPIRE messages', () => {
  expect(errorOf('plugins {}')).toContain('agent section must be configured');
  const bare = BASE.replace(/ {2}server_address.*\n/, '')
    .replace(/ {2}server_port.*\n/, '')
    .replace(/ {2}trust_domain.*\n/, '');
  const message = errorOf(bare);
  expect(message).toContain('server_address must be configured');
  expect(message).toContain('server_port must be configured');
  expect(message).toContain('trust_domain must be configured');
});

test('flags supply and override config values (flag > file > default)', () => {
  const bare = BASE.replace(/ {2}server_address.*\n/, '').replace(/ {2}trust_domain.*\n/, '');
  const { config } = parseAgentConfig(bare, {
    flags: {
      serverAddress: '10.0.0.1',
      trustDomain: 'other.org',
      serverPort: 9000,
      socketPath: '/run/agent.sock',
      dataDir: '/data',
      logLevel: 'DEBUG',
      joinToken: 'abc',
    },
  });
  expect(config.agent).toMatchObject({
    serverAddress: '10.0.0.1',
    trustDomain: 'other.org',
    serverPort: 9000,
    socketPath: '/run/agent.sock',
    dataDir: '/data',
    logLevel: 'debug',
    joinToken: 'abc',
  });
});

test('unknown keys are reported per section with their positions', () => {
  const message = errorOf(withAgent('  colour = "blue"\n  retry_bootstrap = true'));
  expect(message).toContain('unknown configuration detected: section "agent"');
  expect(message).toMatch(/colour \(line 2, column \d+\)/);
  expect(message).toContain('retry_bootstrap');
  expect(errorOf(`${BASE}\nbogus {}\n`)).toContain('section "top-level"');
});

test('wrong types name the key and its position', () => {
  const message = errorOf(BASE.replace('server_port = 8081', 'server_port = "eighty"'));
  expect(message).toMatch(/agent\.server_port \(line 4, column \d+\): must be an integer/);
  expect(errorOf(withAgent('  insecure_bootstrap = "yes"'))).toContain('agent.insecure_bootstrap');
  expect(errorOf(withAgent('  sync_interval = 5'))).toContain('agent.sync_interval');
});

test.each([
  [
    'trust_bundle_url = "https://b/x"',
    'only one of trust_bundle_url or trust_bundle_path can be specified, not both',
  ],
  [
    'insecure_bootstrap = true',
    'only one of insecure_bootstrap or trust_bundle_path can be specified, not both',
  ],
  [
    'insecure_bootstrap = true\ntrust_bundle_url = "https://b/x"',
    'only one of insecure_bootstrap, trust_bundle_url, or trust_bundle_path can be specified, not the three options',
  ],
])('bootstrap exclusivity: %s', (lines, expected) => {
  expect(errorOf(withAgent(lines))).toContain(expected);
});

test('bootstrap: none configured, url with insecure, and a non-https url', () => {
  const noBundle = BASE.replace(/ {2}trust_bundle_path.*\n/, '');
  expect(errorOf(noBundle)).toContain(
    'trust_bundle_path, trust_bundle_url, or trust_bundle_spiffe_workload_api must be configured unless insecure_bootstrap is set',
  );
  expect(
    errorOf(withAgent('insecure_bootstrap = true\ntrust_bundle_url = "https://b/x"', noBundle)),
  ).toContain('only one of insecure_bootstrap or trust_bundle_url can be specified, not both');
  expect(errorOf(withAgent('trust_bundle_url = "http://b/x"', noBundle))).toContain('must use https');
  expect(
    parseAgentConfig(withAgent('insecure_bootstrap = true', noBundle)).config.agent.trustBootstrap,
  ).toEqual({
    kind: 'insecure',
  });
});

test('join_token and join_token_file', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lyc-'));
  const file = path.join(dir, 'token');
  fs.writeFileSync(file, 'tok-from-file\n');
  expect(parseAgentConfig(withAgent(`join_token_file = "${file}"`)).config.agent.joinToken).toBe(
    'tok-from-file',
  );
  expect(errorOf(withAgent(`join_token_file = "${file}"\njoin_token = "x"`))).toContain(
    'only one of join_token or join_token_file can be specified, not both',
  );
  fs.writeFileSync(file, '  \n');
  expect(errorOf(withAgent(`join_token_file = "${file}"`))).toContain('join token file is empty');
});

test('cache sizes, availability target and key type are validated', () => {
  expect(errorOf(withAgent('x509_svid_cache_max_size = -1'))).toContain(
    'x509_svid_cache_max_size should not be negative',
  );
  expect(errorOf(withAgent('jwt_svid_cache_max_size = -5'))).toContain(
    'jwt_svid_cache_max_size should not be negative',
  );
  expect(errorOf(withAgent('availability_target = "1h"'))).toContain(
    'availability_target must be at least 24h0m0s',
  );
  expect(errorOf(withAgent('workload_x509_svid_key_type = "dsa"'))).toContain('workload_x509_svid_key_type');
  const { config } = parseAgentConfig(withAgent('workload_x509_svid_key_type = "rsa-2048"'));
  expect(config.agent.workloadKeyType).toBe('rsa-2048');
});

test('sync_interval is accepted in agent {} and in experimental {} (which warns)', () => {
  expect(parseAgentConfig(withAgent('sync_interval = "2s"')).config.agent.syncIntervalMs).toBe(2000);
  const loaded = parseAgentConfig(withAgent('experimental {\n sync_interval = "750ms"\n}'));
  expect(loaded.config.agent.syncIntervalMs).toBe(750);
  expect(loaded.warnings).toContain(EXPERIMENTAL_WARNING);
  expect(errorOf(withAgent('experimental {\n named_pipe_name = "x"\n}'))).toContain(
    'named_pipe_name is not supported in this platform',
  );
});

test('the admin socket may not live next to the public socket', () => {
  const text = withAgent(
    'socket_path = "/run/spire/public/api.sock"\nadmin_socket_path = "/run/spire/public/admin.sock"',
  );
  expect(errorOf(text)).toContain(
    'admin socket cannot be in the same directory or a subdirectory as that containing the Workload API socket',
  );
  const ok = withAgent(
    'socket_path = "/run/spire/public/api.sock"\nadmin_socket_path = "/run/spire/private/admin.sock"',
  );
  expect(parseAgentConfig(ok).config.agent.adminSocketPath).toBe('/run/spire/private/admin.sock');
});

test('authorized_delegates must be SPIFFE IDs; a relative admin_socket_path is made absolute', () => {
  const ok = parseAgentConfig(
    withAgent(
      'admin_socket_path = "rel/admin.sock"\nauthorized_delegates = ["spiffe://example.org/cilium", "spiffe://example.org/istio"]',
    ),
  ).config.agent;
  expect(ok.authorizedDelegates).toEqual(['spiffe://example.org/cilium', 'spiffe://example.org/istio']);
  expect(ok.adminSocketPath).toBe(path.resolve('rel/admin.sock'));
  expect(parseAgentConfig(BASE).config.agent.authorizedDelegates).toEqual([]);
  expect(errorOf(withAgent('authorized_delegates = ["example.org/cilium"]'))).toContain(
    'authorized_delegates: "example.org/cilium" is not a valid SPIFFE ID',
  );
});

test('plugins: exactly one node attestor and a known key manager', () => {
  expect(errorOf(BASE.replace('  NodeAttestor "join_token" { plugin_data {} }\n', ''))).toContain(
    'plugin type "NodeAttestor" constraint not satisfied: expected exactly 1 but got 0',
  );
  expect(errorOf(BASE.replace('KeyManager "disk"', 'KeyManager "vault"'))).toContain(
    'no built-in plugin "vault" for type "KeyManager"',
  );
  expect(
    errorOf(BASE.replace('plugin_data {} }\n  KeyManager', 'plugin_cmd = "/bin/x" }\n  KeyManager')),
  ).toContain('external plugins are not supported');
  expect(errorOf(BASE.replace('NodeAttestor "join_token"', 'NodeAttestor "tpm_devid"'))).toContain(
    'NodeAttestor "tpm_devid" is not supported by Lanyard: TPM DevID attestation needs a TPM 2.0 device',
  );
});

test('a missing file and -expandEnv', () => {
  expect(() => loadAgentConfig('/nonexistent/agent.conf')).toThrow(
    'could not find config file /nonexistent/agent.conf: please use the -config flag',
  );
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lyc-'));
  const file = path.join(dir, 'agent.conf');
  fs.writeFileSync(file, BASE.replace('"spire-server"', '"${SERVER_HOST}"'));
  const loaded = loadAgentConfig(file, { expandEnv: true, env: { SERVER_HOST: 'srv.internal' } });
  expect(loaded.config.agent.serverAddress).toBe('srv.internal');
  expect(loadAgentConfig(file).config.agent.serverAddress).toBe('${SERVER_HOST}');
});

test('the example agent/conf/agent.conf is valid', () => {
  const { config } = loadAgentConfig(path.join(__dirname, '..', 'conf', 'agent.conf'), {
    flags: { joinToken: 'example' },
  });
  expect(config.agent.serverPort).toBe(8081);
  expect(config.telemetry.prometheus).toEqual({ host: '127.0.0.1', port: 9989 });
  expect(config.healthChecks.listenerEnabled).toBe(true);
});

test('audit_trail is read with sizes; unknown keys and bad sizes are refused naming the key', () => {
  const { config } = parseAgentConfig(
    withAgent('audit_trail {\n  path = "/var/log/lanyard/agent-trail.log"\n  max_size = "10MiB"\n}'),
  );
  expect(config.agent.auditTrail).toEqual({
    path: '/var/log/lanyard/agent-trail.log',
    maxSizeBytes: 10 * 1024 * 1024,
    maxFiles: 5,
  });
  expect(parseAgentConfig(BASE).config.agent.auditTrail).toBeUndefined();
  expect(errorOf(withAgent('audit_trail {\n  path = "/t"\n  size = "1MB"\n}'))).toMatch(
    /unknown configuration detected.*size/,
  );
  expect(errorOf(withAgent('audit_trail {\n  path = "/t"\n  max_size = "-1MB"\n}'))).toContain(
    'agent.audit_trail.max_size: invalid size "-1MB"',
  );
});

test('lanyard_limits bounds the agent sockets; bad values name the key', () => {
  const { config } = parseAgentConfig(
    withAgent('  lanyard_limits {\n    max_message_size = "1MiB"\n    max_connections = 8\n  }'),
  );
  expect(config.agent.limits).toMatchObject({
    maxMessageBytes: 1024 * 1024,
    maxConnections: 8,
    maxConcurrentStreams: 100,
  });
  expect(parseAgentConfig(BASE).config.agent.limits.maxMessageBytes).toBe(16 * 1024 * 1024);
  const message = errorOf(
    withAgent('  lanyard_limits {\n    max_message_size = "lots"\n    keepalive_time = "0s"\n  }'),
  );
  expect(message).toMatch(/agent\.lanyard_limits\.max_message_size/);
  expect(message).toMatch(/agent\.lanyard_limits\.keepalive_time: must be greater than zero/);
});
