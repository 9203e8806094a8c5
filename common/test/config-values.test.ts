import { expandEnv, parseConfigText, parseJsonConfig } from '@lanyard/common';

describe('expandEnv (Go os.ExpandEnv)', () => {
  const env = { HOME: '/home/me', TD: 'example.org', EMPTY: '', A1: 'x' };

  it.each([
    ['$HOME/data', '/home/me/data'],
    ['${TD}', 'example.org'],
    ['td=${TD}x', 'td=example.orgx'],
    ['$UNSET-end', '-end'],
    ['${UNSET}', ''],
    ['$EMPTY.', '.'],
    ['$A1$A1', 'xx'],
    ['cost $ 5', 'cost $ 5'],
    ['trailing $', 'trailing $'],
    ['bad ${} here', 'bad  here'],
    ['open ${TD', 'open TD'],
  ])('%j -> %j', (text, out) => {
    expect(expandEnv(text, env)).toBe(out);
  });
});

describe('parseJsonConfig', () => {
  const text =
    '{\n  "server": {\n    "bind_port": 8081,\n    "trust_domain": "example.org"\n  },\n  "plugins": {"DataStore": [{"sql": [{"plugin_data": [{"database_type": "sqlite3"}]}]}]}\n}';

  it('produces the same tree shape and key positions as HCL', () => {
    const parsed = parseJsonConfig(text);
    expect(parsed.value.server).toEqual({ bind_port: 8081, trust_domain: 'example.org' });
    expect(parsed.positions.get('server.bind_port')).toEqual({ line: 3, column: 5 });
    expect(parsed.positions.get('plugins.DataStore.sql.plugin_data.database_type')).toEqual({
      line: 6,
      column: 56,
    });
  });

  it('is chosen automatically when the text starts with "{"', () => {
    expect(parseConfigText(`  ${text}`).value.server).toEqual({
      bind_port: 8081,
      trust_domain: 'example.org',
    });
  });

  it.each([
    ['{"a": 1,}', 'line 1, column 9: expected a quoted key'],
    ['{"a": null}', 'line 1, column 7: null is not a valid config value'],
    ['{"a": 1}\n x', 'line 2, column 2: unexpected text after the JSON object'],
    ['{"a" 1}', 'line 1, column 6: expected ":" after key'],
  ])('reports %j with a position', (bad, message) => {
    expect(() => parseJsonConfig(bad)).toThrow(message);
  });

  it('expands environment variables before parsing when asked', () => {
    const parsed = parseConfigText('server { trust_domain = "${TD}" }', {
      expandEnv: true,
      env: { TD: 'td.test' },
    });
    expect(parsed.value.server).toEqual({ trust_domain: 'td.test' });
  });
});
