import { mkdtempSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import * as path from 'node:path';
import { ConfigError } from '@lanyard/common';
import { applyServerFlags, loadServerConfig, parseServerConfig } from '../src/config';
import { minimalServerConf as minimal } from './config-fixtures';

function errorOf(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    if (err instanceof Error && 'grpcStatus' in err) return err as ConfigError;
    throw err;
  }
  throw new Error('expected an error');
}

describe('server config defaults', () => {
  it("applies SPIRE's defaults to a minimal file", () => {
    const { config, warnings } = parseServerConfig(minimal());
    expect(config.server).toMatchObject({
      bindAddress: '0.0.0.0',
      bindPort: 8081,
      socketPath: '/tmp/spire-server/private/api.sock',
      logLevel: 'info',
      logFormat: 'text',
      caKeyType: 'ec-p256',
      jwtKeyType: 'ec-p256',
      caTtlSeconds: 86_400,
      caSubject: { country: ['US'], organization: ['SPIFFE'] },
      defaultX509SvidTtlSeconds: 3600,
      defaultJwtSvidTtlSeconds: 300,
      agentTtlSeconds: 3600,
      adminIds: [],
      auditLogEnabled: false,
      ratelimit: { attestation: true, signing: true },
      signingLimits: { maxConcurrent: 2, maxQueued: 1024 },
      signingWorkers: availableParallelism(),
      jwtCloudAudiences: ['sts.amazonaws.com', 'api://AzureADTokenExchange', 'https://sts.googleapis.com'],
    });
    expect(config.server.jwtIssuer).toBeUndefined();
    expect(config.server.auditTrail).toBeUndefined();
    expect(config.plugins).toEqual({
      dataStore: { databaseType: 'sqlite3', connectionString: '/var/lib/lanyard/datastore.sqlite3' },
      keyManager: { kind: 'memory' },
      nodeAttestors: [],
      upstreamAuthority: undefined,
      kubeBundle: { k8sBundle: [], k8sConfigMap: [] },
    });
    expect(config.healthChecks).toEqual({
      listenerEnabled: false,
      bindAddress: 'localhost',
      bindPort: 80,
      livePath: '/live',
      readyPath: '/ready',
    });
    expect(config.telemetry.prometheus).toBeUndefined();
    expect(warnings).toEqual([]);
  });

  it('maps every key of the example SQLite config', () => {
    const { config } = loadServerConfig(path.join(__dirname, '..', 'conf', 'server.conf'));
    expect(config.server).toMatchObject({ trustDomain: 'example.org', bindPort: 8081, caTtlSeconds: 86_400 });
    expect(config.plugins.keyManager).toEqual({ kind: 'disk', keysPath: './.data/server/keys.json' });
    expect(config.plugins.nodeAttestors).toEqual([{ name: 'join_token', pluginData: {}, enabled: true }]);
    expect(config.healthChecks).toMatchObject({
      listenerEnabled: true,
      bindAddress: '127.0.0.1',
      bindPort: 8080,
    });
    expect(config.telemetry.prometheus).toEqual({ host: '127.0.0.1', port: 9988 });
  });

  it('expands the environment in the Postgres example with -expandEnv', () => {
    const file = path.join(__dirname, '..', 'conf', 'server-postgres.conf');
    const { config } = loadServerConfig(file, {
      expandEnv: true,
      env: { PGUSER: 'postgres', PGHOST: '127.0.0.1' },
    });
    expect(config.plugins.dataStore).toEqual({
      databaseType: 'postgres',
      connectionString: 'postgres://postgres@127.0.0.1:5432/spire?sslmode=disable',
      maxOpenConns: 20,
    });
    expect(config.plugins.nodeAttestors.map((a) => a.name)).toEqual(['join_token', 'aws_iid']);
    expect(config.plugins.nodeAttestors[1].pluginData).toEqual({ skip_block_device: true });
    expect(config.server).toMatchObject({
      logFormat: 'json',
      jwtIssuer: 'https://oidc.example.org',
      auditLogEnabled: true,
    });
  });
});

describe('server config values', () => {
  it('reads every server key', () => {
    const { config } = parseServerConfig(
      minimal(`
  bind_address = "127.0.0.1"
  bind_port = 9081
  socket_path = "/run/lanyard/api.sock"
  log_level = "debug"
  log_format = "JSON"
  log_file = "/var/log/lanyard.log"
  ca_key_type = "rsa-2048"
  ca_ttl = "168h"
  ca_subject { country = ["DE"], organization = ["Acme"], common_name = "acme ca" }
  default_x509_svid_ttl = "2h"
  default_jwt_svid_ttl = "10m"
  jwt_issuer = "https://issuer.example.org"
  agent_ttl = "3h"
  admin_ids = ["spiffe://example.org/admin"]
  audit_log_enabled = true
  svid_signing_workers = 0`),
    );
    expect(config.server).toMatchObject({
      bindAddress: '127.0.0.1',
      bindPort: 9081,
      socketPath: '/run/lanyard/api.sock',
      logLevel: 'debug',
      logFormat: 'json',
      logFile: '/var/log/lanyard.log',
      caKeyType: 'rsa-2048',
      jwtKeyType: 'rsa-2048',
      caTtlSeconds: 604_800,
      caSubject: { country: ['DE'], organization: ['Acme'], commonName: 'acme ca' },
      defaultX509SvidTtlSeconds: 7200,
      defaultJwtSvidTtlSeconds: 600,
      jwtIssuer: 'https://issuer.example.org',
      agentTtlSeconds: 10_800,
      adminIds: ['spiffe://example.org/admin'],
      auditLogEnabled: true,
      signingWorkers: 0,
    });
  });

  it('reads the UpstreamAuthority "disk" block and the disk key manager', () => {
    const { config } = parseServerConfig(
      minimal(
        '',
        `UpstreamAuthority "disk" { plugin_data { cert_file_path = "/ca.crt", key_file_path = "/ca.key", bundle_file_path = "/root.crt" } }`,
      ),
    );
    expect(config.plugins.upstreamAuthority).toEqual({
      kind: 'disk',
      certFilePath: '/ca.crt',
      keyFilePath: '/ca.key',
      bundleFilePath: '/root.crt',
    });
  });

  it('accepts the same config as JSON, including HCL-style lists of blocks', () => {
    const json = JSON.stringify({
      server: { trust_domain: 'example.org', data_dir: '/d', bind_port: 8443 },
      plugins: {
        DataStore: [
          { sql: [{ plugin_data: [{ database_type: 'sqlite3', connection_string: '/d/ds.sqlite3' }] }] },
        ],
        KeyManager: { memory: {} },
        NodeAttestor: {
          k8s_psat: { plugin_data: { clusters: { c1: { service_account_allow_list: ['ns:sa'] } } } },
        },
      },
    });
    const { config } = parseServerConfig(json);
    expect(config.server.bindPort).toBe(8443);
    expect(config.plugins.dataStore.connectionString).toBe('/d/ds.sqlite3');
    expect(config.plugins.nodeAttestors[0]).toEqual({
      name: 'k8s_psat',
      pluginData: { clusters: { c1: { service_account_allow_list: ['ns:sa'] } } },
      enabled: true,
    });
  });

  it('reads plugin_data_file', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'lanyard-srv-conf-'));
    const dataFile = path.join(dir, 'psat.hcl');
    writeFileSync(dataFile, 'clusters = { c1 = { service_account_allow_list = ["a:b"] } }\n');
    const { config } = parseServerConfig(
      minimal('', `NodeAttestor "k8s_psat" { plugin_data_file = "${dataFile}" }`),
    );
    expect(config.plugins.nodeAttestors[0].pluginData).toEqual({
      clusters: { c1: { service_account_allow_list: ['a:b'] } },
    });
  });

  it("produces SPIRE's start-up warnings", () => {
    const { warnings } = parseServerConfig(
      minimal(
        '  ca_ttl = "6h"\n  default_x509_svid_ttl = "2h"\n  ca_subject {}\n  experimental { feature_flags = ["x"] }',
      ),
    );
    expect(warnings).toEqual([
      expect.stringMatching(/^Experimental features have been enabled/),
      'ca_subject configurable is set but empty; the default will be used',
      'server.experimental.feature_flags is accepted for SPIRE compatibility but has no effect in Lanyard: Lanyard has no developer feature flags',
      expect.stringMatching(/^default_x509_svid_ttl is too high for the configured ca_ttl value/),
      expect.stringMatching(/^agent_ttl is too high/),
    ]);
  });

  it('lets CLI flags override the file and validates again', () => {
    const { config } = parseServerConfig(minimal());
    const { config: next } = applyServerFlags(config, {
      serverPort: 9999,
      trustDomain: 'other.org',
      logLevel: 'WARN',
    });
    expect(next.server).toMatchObject({ bindPort: 9999, trustDomain: 'other.org', logLevel: 'warn' });
    expect(config.server.bindPort).toBe(8081);
    expect(() => applyServerFlags(config, { trustDomain: 'Bad Domain' })).toThrow(
      /could not parse trust_domain "Bad Domain"/,
    );
  });
});

describe('server config errors', () => {
  it('refuses a negative svid_signing_workers, naming the key', () => {
    const err = errorOf(() => parseServerConfig(minimal('  svid_signing_workers = -1')));
    expect(err.message).toContain('svid_signing_workers');
  });

  it('reports missing sections and required keys with SPIRE messages', () => {
    expect(() => parseServerConfig('plugins {}')).toThrow('server section must be configured');
    expect(() => parseServerConfig('server { trust_domain = "x" }')).toThrow(
      'data_dir must be configured (line 1, column 1); plugins section must be configured',
    );
    expect(() => parseServerConfig('server {\n  data_dir = "/d"\n}\nplugins {}')).toThrow(
      'trust_domain must be configured (line 1, column 1)',
    );
  });

  it('names the key and position of a wrong type', () => {
    const error = errorOf(() =>
      parseServerConfig(minimal('  bind_port = "eighty"\n  audit_log_enabled = "yes"')),
    );
    expect(error.message).toBe(
      'server.bind_port (line 5, column 3): must be an integer; server.audit_log_enabled (line 6, column 3): must be a boolean',
    );
  });

  it('fails on unknown keys, naming each one and its section', () => {
    const error = errorOf(() =>
      parseServerConfig(minimal('  bind_adress = "x"\n  ca_subject { org = ["y"] }') + 'extra = 1\n'),
    );
    expect(error.issues.map((i) => i.message)).toEqual([
      'unknown configuration detected: section "server": keys bind_adress (line 5, column 3)',
      'unknown configuration detected: section "ca_subject": keys org (line 6, column 16)',
      'unknown configuration detected: section "top-level": keys extra (line 18, column 1)',
    ]);
  });

  it('rejects a bad trust domain, key type and duration', () => {
    expect(() => parseServerConfig(minimal().replace('example.org', 'Example.org'))).toThrow(
      /could not parse trust_domain "Example.org": /,
    );
    expect(() => parseServerConfig(minimal('  ca_key_type = "ec-p521"'))).toThrow(
      'error parsing ca_key_type: unsupported key type "ec-p521" (use rsa-2048, rsa-4096, ec-p256, ec-p384) (line 5, column 3)',
    );
    expect(() => parseServerConfig(minimal('  ca_ttl = "1d"'))).toThrow(
      'server.ca_ttl (line 5, column 3): invalid duration "1d"',
    );
  });

  it('checks the plugin blocks', () => {
    const noDatastore =
      'server { trust_domain = "td"\n data_dir = "/d" }\nplugins {\n  KeyManager "memory" {}\n}';
    expect(() => parseServerConfig(noDatastore)).toThrow(
      'plugins.DataStore: plugin type "DataStore" constraint not satisfied: expected exactly 1 but got 0',
    );
    expect(() => parseServerConfig(minimal().replace('"sqlite3"', '"oracle"'))).toThrow(
      'plugins.DataStore.sql.plugin_data.database_type (line 10, column 7): must be one of sqlite3, postgres, mysql (got "oracle")',
    );
    expect(() =>
      parseServerConfig(minimal().replace('KeyManager "memory" {}', 'KeyManager "disk" { plugin_data {} }')),
    ).toThrow('plugins.KeyManager.disk.plugin_data.keys_path: keys_path must be set');
    expect(() =>
      parseServerConfig(
        minimal().replace('KeyManager "memory" {}', 'KeyManager "disk" { plugin_data { keys_path = "" } }'),
      ),
    ).toThrow(
      /^plugins\.KeyManager\.disk\.plugin_data\.keys_path \(line \d+, column \d+\): must not be empty$/,
    );
    expect(() => parseServerConfig(minimal().replace('KeyManager "memory"', 'KeyManager "aws_kms"'))).toThrow(
      'plugins.KeyManager.aws_kms (line 14, column 14): no built-in plugin "aws_kms" for type "KeyManager"',
    );
    expect(() =>
      parseServerConfig(minimal('', 'UpstreamAuthority "disk" { plugin_data { cert_file_path = "/c" } }')),
    ).toThrow('key_file_path must be set');
    expect(() => parseServerConfig(minimal('', 'NodeAttestor "x" { plugin_cmd = "/bin/x" }'))).toThrow(
      'plugins.NodeAttestor.x.plugin_cmd (line 15, column 20): external plugins are not supported',
    );
    expect(() => parseServerConfig(minimal('', 'NodeAttestor "tpm_devid" { plugin_data {} }'))).toThrow(
      /^plugins\.NodeAttestor\.tpm_devid \(line 15, column 14\): NodeAttestor "tpm_devid" is not supported by Lanyard: .*Lanyard has no TPM support/,
    );
  });

  it('reports unknown plugin_data keys of the built-in plugins', () => {
    expect(() =>
      parseServerConfig(
        minimal().replace('database_type = "sqlite3"', 'database_type = "sqlite3"\n      databse = "x"'),
      ),
    ).toThrow(
      /unknown configuration detected: section "plugins\.DataStore\.sql\.plugin_data": keys databse \(line \d+, column \d+\)/,
    );
    expect(() =>
      parseServerConfig(
        minimal().replace(
          'KeyManager "memory" {}',
          'KeyManager "disk" { plugin_data { keys_path = "/k"\n keyspath = "/k" } }',
        ),
      ),
    ).toThrow(/section "plugins\.KeyManager\.disk\.plugin_data": keys keyspath \(line 15, column 2\)/);
    expect(() =>
      parseServerConfig(
        minimal().replace('KeyManager "memory" {}', 'KeyManager "memory" { plugin_data { size = 1 } }'),
      ),
    ).toThrow(/section "plugins\.KeyManager\.memory\.plugin_data": keys size \(line \d+, column \d+\)/);
  });

  it("gives SPIRE's message for a missing file", () => {
    expect(() => loadServerConfig('/nonexistent/server.conf')).toThrow(
      'could not find config file /nonexistent/server.conf: please use the -config flag',
    );
  });
});
