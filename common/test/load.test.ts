import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { assertDecoded, decodeConfig, field, pluginsSchema, readConfigFile } from '@lanyard/common';

const dir = mkdtempSync(path.join(tmpdir(), 'lanyard-conf-'));
const write = (name: string, text: string): string => {
  const file = path.join(dir, name);
  writeFileSync(file, text);
  return file;
};

describe('readConfigFile', () => {
  it('reads the server fixture and decodes its plugin blocks', () => {
    const parsed = readConfigFile(path.join(__dirname, 'fixtures', 'server.conf'));
    const schema = field.object('top-level', {
      plugins: pluginsSchema(['DataStore', 'KeyManager', 'NodeAttestor', 'UpstreamAuthority']),
    });
    const result = decodeConfig(parsed, schema);
    expect(result.issues).toEqual([]);
    expect(Object.keys(result.value.plugins?.NodeAttestor ?? {})).toEqual(['join_token', 'k8s_psat']);
    expect(result.value.plugins?.DataStore?.sql.plugin_data).toEqual({
      database_type: 'sqlite3',
      connection_string: './.data/datastore.sqlite3',
    });
    expect(result.unknown.map((u) => u.section)).toEqual(['top-level']);
  });

  it('reports an unknown plugin type as an unknown key of the plugins section', () => {
    const parsed = readConfigFile(write('bad-plugin.conf', 'plugins {\n  Notifer "x" {}\n}\n'));
    const result = decodeConfig(parsed, field.object('top-level', { plugins: pluginsSchema(['DataStore']) }));
    expect(() => assertDecoded(result)).toThrow(
      'unknown configuration detected: section "plugins": keys Notifer (line 2, column 3)',
    );
  });

  it('ignores a UTF-8 byte-order mark', () => {
    expect(readConfigFile(write('bom.conf', '\uFEFFserver { a = 1 }')).value).toEqual({ server: { a: 1 } });
  });

  it("gives SPIRE's message for a missing file", () => {
    const missing = path.join(dir, 'nope.conf');
    expect(() => readConfigFile(missing)).toThrow(
      `could not find config file ${missing}: please use the -config flag`,
    );
  });

  it('wraps syntax errors with the file name', () => {
    const file = write('broken.conf', 'server {\n  bind_port = \n}');
    expect(() => readConfigFile(file)).toThrow(
      `unable to decode configuration at "${file}": line 3, column 1: expected a value, found "}"`,
    );
  });

  it('reads .json files as JSON and expands the environment on request', () => {
    const file = write('server.json', '{"server": {"data_dir": "$DATA/x"}}');
    expect(readConfigFile(file, { expandEnv: true, env: { DATA: '/var/lib' } }).value).toEqual({
      server: { data_dir: '/var/lib/x' },
    });
    expect(readConfigFile(file).value).toEqual({ server: { data_dir: '$DATA/x' } });
  });
});
