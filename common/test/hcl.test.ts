import * as path from 'node:path';
import { readFileSync } from 'node:fs';
import { ConfigSyntaxError, parseHcl, pathKey } from '@lanyard/common';

const fixture = (name: string): string => readFileSync(path.join(__dirname, 'fixtures', name), 'utf8');

describe('parseHcl', () => {
  it('parses a SPIRE-style server.conf into nested objects with labelled blocks', () => {
    const { value } = parseHcl(fixture('server.conf'));
    expect(value.server).toMatchObject({
      bind_port: '8081',
      trust_domain: 'example.org',
      log_level: 'DEBUG',
    });
    expect(value.server).toHaveProperty('ca_subject', {
      country: ['US'],
      organization: ['SPIFFE'],
      common_name: '',
    });
    expect(value.plugins).toMatchObject({
      DataStore: { sql: { plugin_data: { database_type: 'sqlite3' } } },
      KeyManager: { memory: { plugin_data: {} } },
    });
    const attestors = (value.plugins as Record<string, Record<string, unknown>>).NodeAttestor;
    expect(Object.keys(attestors)).toEqual(['join_token', 'k8s_psat']);
    expect(attestors.k8s_psat).toEqual({
      plugin_data: { clusters: { 'demo-cluster': { service_account_allow_list: ['spire:spire-agent'] } } },
    });
    expect(value.telemetry).toEqual({ Prometheus: { port: 9988 } });
  });

  it('parses a SPIRE-style agent.conf with comments inside blocks', () => {
    const { value } = parseHcl(fixture('agent.conf'));
    expect(value.agent).toMatchObject({
      server_port: '8081',
      socket_path: '/tmp/spire-agent/public/api.sock',
    });
    expect(value.plugins).toMatchObject({
      WorkloadAttestor: {
        k8s: { plugin_data: { skip_kubelet_verification: true } },
        unix: { plugin_data: {} },
      },
    });
  });

  it('records the line and column of every key, including labels', () => {
    const { positions } = parseHcl(fixture('server.conf'));
    expect(positions.get('server')).toEqual({ line: 2, column: 1 });
    expect(positions.get('server.bind_port')).toEqual({ line: 4, column: 5 });
    expect(positions.get('plugins.NodeAttestor.k8s_psat')).toEqual({ line: 31, column: 18 });
    expect(
      positions.get(
        pathKey(['plugins', 'NodeAttestor', 'k8s_psat', 'plugin_data', 'clusters', 'demo-cluster']),
      ),
    ).toEqual({
      line: 34,
      column: 17,
    });
  });

  it('handles every comment style, numbers, booleans and the key = { } block form', () => {
    const text = [
      '# hash comment',
      '// slash comment',
      'a = 1 /* inline */ b = -2.5',
      'c = true',
      'd = { e = 0x1f, f = 1e3 }',
      'g = [1, "two", [false],]',
      'mode = 0644',
    ].join('\n');
    expect(parseHcl(text).value).toEqual({
      a: 1,
      b: -2.5,
      c: true,
      d: { e: 31, f: 1000 },
      g: [1, 'two', [false]],
      mode: 0o644,
    });
  });

  it('decodes string escapes and keeps ${...} interpolations verbatim', () => {
    const { value } = parseHcl('s = "tab\\tquote\\" \\u00e9 ${var.x["k"]}"');
    expect(value.s).toBe('tab\tquote" é ${var.x["k"]}');
  });

  it('reads heredocs, including the indented <<- form', () => {
    const text = 'a = <<EOF\nline one\n  line two\nEOF\nb = <<-EOT\n    x\n      y\n    EOT\n';
    expect(parseHcl(text).value).toEqual({ a: 'line one\n  line two\n', b: 'x\n  y\n' });
  });

  it('supports several labels on one block and merges repeated blocks', () => {
    const text = 'outer "one" "two" { x = 1 }\nouter "one" "three" { y = 2 }\nouter "four" {}';
    expect(parseHcl(text).value).toEqual({ outer: { one: { two: { x: 1 }, three: { y: 2 } }, four: {} } });
  });

  it('accepts CRLF line endings and a comment on the last line without a newline', () => {
    const { value, positions } = parseHcl('server {\r\n  port = 1\r\n}\r\n// end');
    expect(value).toEqual({ server: { port: 1 } });
    expect(positions.get('server.port')).toEqual({ line: 2, column: 3 });
  });

  it('merges a block written twice, once with "=" and once without', () => {
    expect(parseHcl('a = { x = 1 }\na { y = 2 }').value).toEqual({ a: { x: 1, y: 2 } });
  });

  it('rejects a key set twice, naming both places', () => {
    expect(() => parseHcl('server {\n  a = 1\n  a = 2\n}')).toThrow(
      'line 3, column 3: duplicate key server.a (first set at line 2, column 3)',
    );
  });

  it.each([
    ['a = ', 'line 1, column 5: expected a value, found end of file'],
    ['a "b" = 1', 'line 1, column 7: unexpected "=" after block labels of "a"'],
    [
      'server {\n  a = 1\n',
      'line 3, column 1: expected "}" to close the block opened before, found end of file',
    ],
    ['a = "open', 'line 1, column 5: string not terminated'],
    ['a = [1 2]', 'line 1, column 8: expected "," or "]" in list, found "2"'],
    ['a = bare', 'line 1, column 5: expected a value, found "bare"'],
    ['/* never closed', 'line 1, column 1: comment not terminated'],
    ['a = "\\q"', 'line 1, column 6: invalid escape sequence in string'],
    ['ttl = 10s', 'line 1, column 7: invalid number "10s" (quote durations such as "10s")'],
  ])('reports syntax errors with positions: %j', (text, message) => {
    let error: unknown;
    try {
      parseHcl(text);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigSyntaxError);
    expect((error as Error).message).toBe(message);
  });
});
