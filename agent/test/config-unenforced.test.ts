/**
 * Agent keys accepted without effect give one warning each (also printed by `validate`); `require_pq_kem = true`
 * is refused; `KeyManager "disk"` takes its `directory` and reports unknown `plugin_data` keys.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PassThrough } from 'node:stream';
import { runCli, type CliIo } from '../src/cli';
import { parseAgentConfig } from '../src/config';
import { AGENT_INERT_KEYS } from '../src/config/unenforced-keys';

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

const withAgent = (lines: string, base = BASE): string => base.replace('agent {\n', `agent {\n${lines}\n`);

function errorOf(text: string): string {
  try {
    parseAgentConfig(text);
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('config was accepted');
}

const noEffect = (key: string) => `${key} is accepted for SPIRE compatibility but has no effect in Lanyard: `;

test('each inert agent key that is set gives exactly one warning naming it', () => {
  const { warnings } = parseAgentConfig(
    withAgent(`  profiling_enabled = true
  experimental {
    use_sync_authorized_entries = false
    jwt_svid_cache_hit_timeout = "1s"
    x509_svid_cache_max_size = 10
  }`),
  );
  const keys = [
    'agent.profiling_enabled',
    'agent.experimental.use_sync_authorized_entries',
    'agent.experimental.jwt_svid_cache_hit_timeout',
    'agent.experimental.x509_svid_cache_max_size',
  ];
  for (const key of keys) {
    expect(warnings.filter((w) => w.startsWith(`${key} `))).toEqual([expect.stringContaining(noEffect(key))]);
  }
});

test('no warning for values Lanyard already follows, nor for keys other work owns', () => {
  const { warnings } = parseAgentConfig(
    withAgent(
      '  availability_target = "48h"\n  rebootstrap_mode = "auto"\n  rebootstrap_delay = "1m"\n  profiling_enabled = false\n  authorized_delegates = []\n  log_source_location = true',
    ),
  );
  expect(warnings.filter((w) => w.includes('has no effect'))).toEqual([]);
  const listed = AGENT_INERT_KEYS.map((k) => k.path.join('.'));
  for (const key of [
    'sds',
    'disable_sds_api',
    'admin_socket_path',
    'authorized_delegates',
    'availability_target',
  ])
    expect(listed).not.toContain(`agent.${key}`);
});

test('require_pq_kem = true is refused naming the key; false is accepted', () => {
  expect(errorOf(withAgent('  experimental { require_pq_kem = true }'))).toMatch(
    /agent\.experimental\.require_pq_kem \(line \d+, column \d+\): cannot be honoured: Node's OpenSSL /,
  );
  expect(() => parseAgentConfig(withAgent('  experimental { require_pq_kem = false }'))).not.toThrow();
});

test('KeyManager "disk" takes an absolute or relative directory and refuses unknown plugin_data keys', () => {
  const disk = (data: string) =>
    BASE.replace('KeyManager "disk" { plugin_data {} }', `KeyManager "disk" { plugin_data { ${data} } }`);
  expect(parseAgentConfig(disk('directory = "/var/lib/keys"')).config.plugins.keyDirectory).toBe(
    '/var/lib/keys',
  );
  expect(parseAgentConfig(disk('directory = "keys"')).config.plugins.keyDirectory).toBe(path.resolve('keys'));
  expect(parseAgentConfig(BASE).config.plugins.keyDirectory).toBeUndefined();
  expect(errorOf(disk('keys_path = "/x"'))).toContain('plugins.KeyManager.disk.plugin_data');
  expect(errorOf(disk('keys_path = "/x"'))).toContain('keys_path');
  expect(
    errorOf(
      BASE.replace(
        'KeyManager "disk" { plugin_data {} }',
        'KeyManager "memory" { plugin_data { directory = "/x" } }',
      ),
    ),
  ).toContain('directory');
});

test('validate prints the same warnings on stderr', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lyav-'));
  try {
    const file = path.join(dir, 'agent.conf');
    fs.writeFileSync(file, withAgent('  profiling_port = 6060'));
    let out = '';
    let err = '';
    const stdout = new PassThrough().on('data', (c: Buffer) => (out += c.toString()));
    const stderr = new PassThrough().on('data', (c: Buffer) => (err += c.toString()));
    const io: CliIo = { stdout, stderr, env: {}, stopSignal: () => new Promise(() => undefined) };
    expect(await runCli(['validate', '-config', file], io)).toBe(0);
    expect(out).toBe('SPIRE agent configuration file is valid.\n');
    expect(err).toContain(`warning: ${noEffect('agent.profiling_port')}`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
