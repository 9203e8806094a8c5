import { SpiffeId, TrustDomain } from '@lanyard/spiffe/id';
import { InvalidArgumentError } from '@lanyard/base';

/** Values an agent path template may reference: plain fields and one level of string maps (`.Tags.role`). */
export type AgentPathValues = Record<string, string | number | Readonly<Record<string, string>>>;

type Part = { literal: string } | { field: string[] };

const ACTION = /\{\{-?\s*([^}]*?)\s*-?\}\}/g;
const REFERENCE = /^(\.[A-Za-z_][A-Za-z0-9_]*)+$/;

/**
 * A parsed `agent_path_template` (SPIRE writes them as Go text/templates, e.g.
 * `/{{ .PluginName }}/{{ .AccountID }}/{{ .Region }}/{{ .InstanceID }}`). Lanyard supports field references
 * (`{{ .Field }}`) and one-level map lookups (`{{ .Tags.name }}`), which covers SPIRE's documented templates;
 * any other action is rejected when the template is parsed.
 */
export class AgentPathTemplate {
  private constructor(
    readonly source: string,
    private readonly parts: Part[],
  ) {}

  /**
   * Parses a template. `plugin` and `key` name the config key in error messages.
   * @throws InvalidArgumentError naming the key when an action is not a field reference.
   */
  static parse(source: string, plugin: string, key = 'agent_path_template'): AgentPathTemplate {
    const parts: Part[] = [];
    let last = 0;
    for (const match of source.matchAll(ACTION)) {
      const reference = match[1];
      if (!REFERENCE.test(reference)) {
        throw new InvalidArgumentError(
          `${plugin}: plugin_data.${key} action "${match[0]}" is not supported (only {{ .Field }} references)`,
          'ERR_PLUGIN_CONFIG',
        );
      }
      parts.push({ literal: source.slice(last, match.index) });
      parts.push({ field: reference.slice(1).split('.') });
      last = (match.index ?? 0) + match[0].length;
    }
    parts.push({ literal: source.slice(last) });
    if (parts.some((p) => 'literal' in p && p.literal.includes('{{'))) {
      throw new InvalidArgumentError(
        `${plugin}: plugin_data.${key} has an unclosed action`,
        'ERR_PLUGIN_CONFIG',
      );
    }
    return new AgentPathTemplate(source, parts);
  }

  /**
   * Renders the path and returns the full agent ID `spiffe://<td>/spire/agent<path>`.
   * @throws InvalidArgumentError when a referenced value is missing; SpiffeIdError if the result is not a valid
   *   SPIFFE ID.
   */
  agentId(trustDomain: string, values: AgentPathValues): string {
    const path = this.parts
      .map((part) => ('literal' in part ? part.literal : lookup(values, part.field)))
      .join('');
    const withSlash = path.startsWith('/') ? path : `/${path}`;
    return SpiffeId.fromPath(TrustDomain.parse(trustDomain), `/spire/agent${withSlash}`).toString();
  }
}

function lookup(values: AgentPathValues, field: string[]): string {
  let current: unknown = values;
  for (const name of field) {
    if (typeof current !== 'object' || current === null || !(name in current)) {
      throw new InvalidArgumentError(
        `agent path template references unknown value ".${field.join('.')}"`,
        'ERR_AGENT_PATH_TEMPLATE',
      );
    }
    current = (current as Record<string, unknown>)[name];
  }
  if (typeof current !== 'string' && typeof current !== 'number') {
    throw new InvalidArgumentError(
      `agent path template value ".${field.join('.')}" is not a string`,
      'ERR_AGENT_PATH_TEMPLATE',
    );
  }
  return String(current);
}
