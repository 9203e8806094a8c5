import { InvalidArgumentError } from '@lanyard/base';
import { checkPayloadSize, parseJsonPayload, sortedUniqueSelectors, type PayloadLimits } from '../src';

const limits: PayloadLimits = {
  what: 'attestation payload',
  maxBytes: 8,
  invalid: (reason) => new InvalidArgumentError(`test: ${reason}`, 'ERR_TEST'),
};

test('checkPayloadSize accepts the limit and rejects one byte more, naming both sizes', () => {
  expect(() => checkPayloadSize(Buffer.alloc(8), limits)).not.toThrow();
  expect(() => checkPayloadSize(Buffer.alloc(9), limits)).toThrow(
    'test: attestation payload is 9 bytes, more than the 8 allowed',
  );
});

test('parseJsonPayload parses JSON and reports non-JSON with the given reason', () => {
  expect(parseJsonPayload(Buffer.from('{"a":1}'), limits, 'not json')).toEqual({ a: 1 });
  expect(() => parseJsonPayload(Buffer.from('{nope'), limits, 'not json')).toThrow(InvalidArgumentError);
  expect(() => parseJsonPayload(Buffer.from('{nope'), limits, 'not json')).toThrow('test: not json');
  expect(() => parseJsonPayload(Buffer.from('"123456789"'), limits, 'not json')).toThrow(/more than the 8/);
});

test('sortedUniqueSelectors sorts, drops repeats and sets the type', () => {
  const selectors = [
    { type: 'x', value: 'b' },
    { type: 'y', value: 'a' },
    { type: 'x', value: 'b' },
  ];
  expect(sortedUniqueSelectors('aws_iid', selectors)).toEqual([
    { type: 'aws_iid', value: 'a' },
    { type: 'aws_iid', value: 'b' },
  ]);
});
