import { parseSelector, formatSelector, PluginConfigReader, agentIdFor } from '@lanyard/attestor-core';
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

describe('PluginConfigReader', () => {
  it('reads typed keys and reports unknown ones by name', () => {
    const reader = new PluginConfigReader('aws_iid', {
      region: 'us-east-1',
      skip_block_device: true,
      bogus: 1,
    });
    expect(reader.string('region')).toBe('us-east-1');
    expect(reader.boolean('skip_block_device')).toBe(true);
    expect(() => reader.rejectUnknownKeys()).toThrow('aws_iid: plugin_data.bogus is not a known key');
  });

  it('names the key on a wrong type', () => {
    const reader = new PluginConfigReader('gcp_iit', { projectid_allow_list: 'p1' });
    expect(() => reader.stringList('projectid_allow_list')).toThrow(
      'gcp_iit: plugin_data.projectid_allow_list must be a list of strings',
    );
  });
});

describe('agentIdFor', () => {
  it('lays out agent IDs like SPIRE', () => {
    expect(agentIdFor('example.org', 'join_token', 'abc')).toBe(
      'spiffe://example.org/spire/agent/join_token/abc',
    );
  });
});
