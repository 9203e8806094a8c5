import { ChildRuns } from '../../src/datastore/sql/child-runs';

const rows = [
  { entry_seq: 1, v: 'a' },
  { entry_seq: 1, v: 'b' },
  { entry_seq: 3, v: 'c' },
  { entry_seq: 4, v: 'd' },
  { entry_seq: 4, v: 'e' },
  { entry_seq: 4, v: 'f' },
];

describe('ChildRuns', () => {
  it('hands each owner its rows in order, exactly sized, skipping owners not asked for', () => {
    const runs = new ChildRuns(rows);
    const value = (r: { v: string }) => r.v;
    expect(runs.take(1, value)).toEqual(['a', 'b']);
    expect(runs.take(2, value)).toEqual([]);
    const fourth = runs.take(4, value);
    expect(fourth).toEqual(['d', 'e', 'f']);
    expect(fourth).toHaveLength(3);
    expect(runs.take(5, value)).toEqual([]);
    expect(Object.isFrozen(runs.take(6, value))).toBe(true);
  });

  it('accepts owner IDs that the driver returns as strings (64-bit integers)', () => {
    const runs = new ChildRuns([
      { entry_seq: '7' as unknown as number, v: 'x' },
      { entry_seq: '10' as unknown as number, v: 'y' },
    ]);
    expect(runs.take(7, (r) => r.v)).toEqual(['x']);
    expect(runs.take(10, (r) => r.v)).toEqual(['y']);
  });
});
