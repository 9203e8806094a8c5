import { InvalidArgumentError } from '@lanyard/base';
import { AgentPathTemplate } from '../src';
import { SpiffeIdError } from '@lanyard/spiffe';

describe('AgentPathTemplate', () => {
  const values = { PluginName: 'aws_iid', AccountID: '123', Region: 'us-east-1', Tags: { role: 'web' } };

  it('renders field and map references into an agent ID', () => {
    const t = AgentPathTemplate.parse('/{{ .PluginName }}/{{.AccountID}}/{{ .Tags.role }}', 'aws_iid');
    expect(t.agentId('example.org', values)).toBe('spiffe://example.org/spire/agent/aws_iid/123/web');
  });

  it('adds the leading slash when the template has none', () => {
    expect(AgentPathTemplate.parse('{{ .Region }}', 'p').agentId('example.org', values)).toBe(
      'spiffe://example.org/spire/agent/us-east-1',
    );
  });

  it.each(['/{{ printf "%s" .X }}', '/{{ .A | upper }}', '/{{ .A'])('rejects %s at parse time', (source) => {
    expect(() => AgentPathTemplate.parse(source, 'gcp_iit')).toThrow(
      /gcp_iit: plugin_data.agent_path_template/,
    );
  });

  it('fails on a missing value or a path that is not a valid SPIFFE ID', () => {
    expect(() => AgentPathTemplate.parse('/{{ .Nope }}', 'p').agentId('example.org', values)).toThrow(
      /unknown value ".Nope"/,
    );
    expect(() => AgentPathTemplate.parse('/{{ .Tags.missing }}', 'p').agentId('example.org', values)).toThrow(
      InvalidArgumentError,
    );
    expect(() => AgentPathTemplate.parse('/a b', 'p').agentId('example.org', values)).toThrow(SpiffeIdError);
  });
});
