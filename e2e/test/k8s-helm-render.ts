/**
 * A renderer for the subset of Helm's Go-template syntax the Lanyard chart uses, so tests can render
 * `deploy/helm/lanyard` without helm (not installable here): `{{ .Values.a.b }}`, `{{ .Release.Name }}`,
 * `{{ .Release.Namespace }}`, `{{ .Chart.Name }}`, `| quote`, `{{ if PATH }}` / `{{ else }}` / `{{ end }}`
 * (nestable, Go truthiness) and the `{{-` / `-}}` whitespace trimming markers. Any other action is an error, and so
 * is a reference to a value that does not exist (helm would print `<no value>`).
 */
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parse as parseYaml } from 'yaml';

/** What templates can reference. */
export interface RenderContext {
  readonly Values: Record<string, unknown>;
  readonly Release: { readonly Name: string; readonly Namespace: string };
  readonly Chart: Record<string, unknown>;
}

const ACTION = /\{\{(-\s)?\s*([\s\S]*?)\s*(\s-)?\}\}/g;
const PATH = /^(\.[A-Za-z_][A-Za-z0-9_]*)+$/;

function lookup(context: RenderContext, ref: string): unknown {
  if (!PATH.test(ref)) throw new Error(`unsupported template expression "${ref}"`);
  let current: unknown = context;
  for (const name of ref.slice(1).split('.')) {
    if (typeof current !== 'object' || current === null || !(name in current)) {
      throw new Error(`template references missing value ${ref}`);
    }
    current = (current as Record<string, unknown>)[name];
  }
  return current;
}

function truthy(value: unknown): boolean {
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === 'object' && value !== null) return Object.keys(value).length > 0;
  return value !== false && value !== 0 && value !== '' && value !== null && value !== undefined;
}

function evaluate(context: RenderContext, expression: string): string {
  const [ref, ...pipes] = expression.split('|').map((part) => part.trim());
  const value = lookup(context, ref);
  if (typeof value === 'object' && value !== null) throw new Error(`${ref} is not a scalar`);
  let text = String(value);
  for (const pipe of pipes) {
    if (pipe !== 'quote') throw new Error(`unsupported template function "${pipe}"`);
    text = JSON.stringify(text);
  }
  return text;
}

/** Renders one template's text. */
export function renderTemplate(source: string, context: RenderContext): string {
  const stack: { active: boolean; parentActive: boolean; sawElse: boolean }[] = [];
  const active = () => stack.every((frame) => frame.active);
  let out = '';
  let last = 0;
  let trimNext = false;
  for (const match of source.matchAll(ACTION)) {
    let text = source.slice(last, match.index);
    if (trimNext) text = text.replace(/^\s+/, '');
    if (match[1]) text = text.replace(/\s+$/, '');
    if (active()) out += text;
    trimNext = Boolean(match[3]);
    last = (match.index ?? 0) + match[0].length;
    const action = match[2];
    if (action.startsWith('if ')) {
      const parentActive = active();
      stack.push({
        active: parentActive && truthy(lookup(context, action.slice(3).trim())),
        parentActive,
        sawElse: false,
      });
    } else if (action === 'else') {
      const frame = stack[stack.length - 1];
      if (!frame || frame.sawElse) throw new Error('{{ else }} without {{ if }}');
      frame.sawElse = true;
      frame.active = frame.parentActive && !frame.active;
    } else if (action === 'end') {
      if (!stack.pop()) throw new Error('{{ end }} without {{ if }}');
    } else if (action.startsWith('/*')) {
      // comment
    } else if (active()) {
      out += evaluate(context, action);
    }
  }
  if (stack.length > 0) throw new Error('unclosed {{ if }}');
  let tail = source.slice(last);
  if (trimNext) tail = tail.replace(/^\s+/, '');
  return out + tail;
}

function merge(base: Record<string, unknown>, overrides: Record<string, unknown>): Record<string, unknown> {
  const result: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(overrides)) {
    const current = result[key];
    const bothObjects =
      typeof value === 'object' &&
      value !== null &&
      !Array.isArray(value) &&
      typeof current === 'object' &&
      current !== null;
    result[key] = bothObjects
      ? merge(current as Record<string, unknown>, value as Record<string, unknown>)
      : value;
  }
  return result;
}

/** One rendered template file. */
export interface RenderedFile {
  readonly name: string;
  readonly text: string;
}

/**
 * Renders every template of a chart directory (files in `templates/` not starting with `_`), with `values.yaml`
 * deep-merged with `overrides`, like `helm template <release> <chart> -n <namespace> --set …`.
 */
export function renderChart(
  chartDir: string,
  release: { name: string; namespace: string },
  overrides: Record<string, unknown> = {},
): RenderedFile[] {
  const defaults = parseYaml(readFileSync(path.join(chartDir, 'values.yaml'), 'utf8')) as Record<
    string,
    unknown
  >;
  const chart = parseYaml(readFileSync(path.join(chartDir, 'Chart.yaml'), 'utf8')) as Record<string, unknown>;
  const context: RenderContext = {
    Values: merge(defaults, overrides),
    Release: { Name: release.name, Namespace: release.namespace },
    Chart: { Name: chart.name, Version: chart.version, AppVersion: chart.appVersion },
  };
  const dir = path.join(chartDir, 'templates');
  return readdirSync(dir)
    .filter((name) => !name.startsWith('_') && !name.endsWith('.txt'))
    .sort()
    .map((name) => ({ name, text: renderTemplate(readFileSync(path.join(dir, name), 'utf8'), context) }));
}
