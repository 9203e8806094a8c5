import { parseSelector, formatSelector, agentIdFor } from '@lanyard/attestor-core';
import { InvalidArgumentError } from '@lanyard/base';

describe('parseSelector', () => {
  it.each([
    ['unix:uid:1000', 'unix', 'uid:1000'],
    ['k8s:pod-label:app:web', 'k8s', 'pod-label:app:web'],
    ['aws_iid:tag:role:web', 'aws_iid', 'tag:role:web'],
  ])('parses %s', (text, type, value) => {
    const selector = parseSelector(text);
    expect(selector).toEqual({ type, value });
    expect(formatSelector(selector)).toBe(text);
  });

  it.each(['k8s', ':value', 'k8s:', ''])('rejects %j with InvalidArgument', (text) => {
    expect(() => parseSelector(text)).toThrow(InvalidArgumentError);
  });
});

describe('agentIdFor', () => {
  it('lays out agent IDs like SPIRE', () => {
    expect(agentIdFor('example.org', 'join_token', 'abc')).toBe(
      'spiffe://example.org/spire/agent/join_token/abc',
    );
  });
});
