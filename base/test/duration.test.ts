import { formatDuration, parseDuration, parseDurationSeconds } from '@lanyard/base';

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

describe('parseDuration rejects what Go rejects', () => {
  it.each(['5', 's', '5 s', '1h 30m', '.s', '1.5.5s'])('rejects %j', (text) => {
    expect(() => parseDuration(text)).toThrow(`invalid duration ${JSON.stringify(text)}`);
  });

  it('rejects a duration Go cannot hold', () => {
    expect(() => parseDuration('2562048h')).toThrow('out of range');
  });
});
