import { randomBytes } from 'node:crypto';
import { randomSerial, serialToDecimal } from '../../src/ca/der/certificate';

describe('certificate serials', () => {
  it('writes serial magnitudes in decimal exactly as BigInt does', () => {
    const samples = [
      '',
      '00',
      '0000',
      '01',
      'ff',
      '0100',
      '2710',
      '270f',
      '98967f',
      '989680',
      'ff'.repeat(16),
    ];
    for (let i = 0; i < 200; i++) samples.push(randomBytes(i % 21).toString('hex'));
    samples.push(`0000${randomBytes(14).toString('hex')}`);
    for (const hex of samples) {
      expect(serialToDecimal(Buffer.from(hex, 'hex'))).toBe(BigInt(`0x${hex || '0'}`).toString(10));
    }
  });

  it('draws 16-byte serials that are never zero and not shared', () => {
    const a = randomSerial();
    const b = randomSerial();
    expect(a.length).toBe(16);
    expect(a.equals(b)).toBe(false);
    a.fill(0);
    expect(b.some((x) => x !== 0)).toBe(true);
  });
});
