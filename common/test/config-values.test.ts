import {
  expandEnv,
  formatDuration,
  parseConfigText,
  parseDuration,
  parseDurationSeconds,
  parseJsonConfig,
} from '@lanyard/common';

describe('parseDuration (Go time.ParseDuration)', () => {
  it.each([
    ['300ms', 300],
    ['5m', 300_000],
    ['1h30m', 5_400_000],
    ['1.5h', 5_400_000],
    ['2h45m30.5s', 9_930_500],
    ['1500us', 1.5],
    ['1500µs', 1.5],
    ['2000000ns', 2],
    ['0', 0],
    ['+10s', 10_000],
  ])('%s = %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it('converts to whole seconds', () => {
    expect(parseDurationSeconds('24h')).toBe(86_400);
    expect(parseDurationSeconds('1500ms')).toBe(1);
  });

  it.each([
    ['1d', 'missing or unknown unit'],
    ['10', 'missing or unknown unit'],
    ['', 'empty duration'],
    ['h', 'expected a number'],
    ['-5m', 'must not be negative'],
  ])('rejects %j', (text, why) => {
    expect(() => parseDuration(text, { field: 'server.ca_ttl' })).toThrow(
      `server.ca_ttl: invalid duration ${JSON.stringify(text)}: ${why}`,
    );
  });

  it('accepts a negative duration when the caller allows it', () => {
    expect(parseDuration('-1m', { allowNegative: true })).toBe(-60_000);
  });

  it.each([
    [5_400_000, '1h30m0s'],
    [300_000, '5m0s'],
    [300, '300ms'],
    [0.0015, '1.5µs'],
    [1.5, '1.5ms'],
    [0, '0s'],
    [1500, '1.5s'],
    [-60_000, '-1m0s'],
  ])('formats %d ms as %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
    expect(parseDuration(text, { allowNegative: true })).toBeCloseTo(ms, 6);
  });
});

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
