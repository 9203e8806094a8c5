/**
 * HCL v1 parser producing a plain value tree plus the position of every key.
 *
 * Blocks may be written `name { }` or `name = { }`; labels nest (`DataStore "sql" { }` becomes
 * `{ DataStore: { sql: { } } }`), and blocks repeated with different labels (two `NodeAttestor`
 * blocks) merge into one object. Setting the same scalar key twice in one object is an error.
 */
import { ConfigSyntaxError } from '../errors';
import {
  isConfigObject,
  pathKey,
  type ConfigObject,
  type ConfigValue,
  type ParsedConfig,
  type Position,
} from '../tree';
import { Lexer, type Token } from './lexer';

/** Options for {@link parseHcl}. */
export interface ParseHclOptions {
  /** File name used in error messages. */
  filename?: string;
}

/** Parses HCL v1 text into a {@link ParsedConfig}. Throws {@link ConfigSyntaxError} on bad syntax. */
export function parseHcl(text: string, options: ParseHclOptions = {}): ParsedConfig {
  const tokens = new Lexer(text, options.filename).tokenize();
  const parser = new HclParser(tokens, options.filename);
  return { value: parser.parseDocument(), positions: parser.positions, filename: options.filename };
}

const MAX_DEPTH = 64;

class HclParser {
  readonly positions = new Map<string, Position>();
  private index = 0;

  constructor(
    private readonly tokens: Token[],
    private readonly filename?: string,
  ) {}

  parseDocument(): ConfigObject {
    const body = this.parseItems([], 0);
    const end = this.peek();
    if (end.kind !== 'eof') throw this.error(`unexpected ${describe(end)}`, end);
    return body;
  }

  /** Parses object items until `}` or end of input (not consumed). */
  private parseItems(prefix: string[], depth: number): ConfigObject {
    if (depth > MAX_DEPTH) throw this.error('blocks nested too deeply', this.peek());
    const body: ConfigObject = {};
    for (;;) {
      this.skip('newline', ',');
      const token = this.peek();
      if (token.kind === 'eof' || (token.kind === 'punct' && token.text === '}')) return body;
      this.parseItem(body, prefix, depth);
    }
  }

  private parseItem(body: ConfigObject, prefix: string[], depth: number): void {
    const keys: Token[] = [];
    while (this.peek().kind === 'ident' || this.peek().kind === 'string') keys.push(this.take());
    const after = this.peek();
    if (keys.length === 0) throw this.error(`expected a key, found ${describe(after)}`, after);
    const path = [...prefix, ...keys.map((k) => k.text)];
    let value: ConfigValue;
    if (isPunct(after, '=')) {
      if (keys.length > 1) throw this.error(`unexpected "=" after block labels of "${keys[0].text}"`, after);
      this.take();
      value = this.parseValue(path, depth);
    } else if (isPunct(after, '{')) {
      value = this.parseObject(path, depth);
    } else {
      const last = keys[keys.length - 1];
      throw this.error(`expected "=" or "{" after key "${last.text}", found ${describe(after)}`, after);
    }
    keys.forEach((key, i) => this.record(path.slice(0, prefix.length + i + 1), key.position));
    const nested = keys.slice(1).reduceRight<ConfigValue>((inner, label) => ({ [label.text]: inner }), value);
    this.assign(body, keys[0], nested, prefix);
  }

  private parseValue(path: string[], depth: number): ConfigValue {
    this.skip('newline');
    const token = this.peek();
    switch (token.kind) {
      case 'string':
        return this.take().text;
      case 'bool':
        return this.take().text === 'true';
      case 'number':
        return parseNumber(this.take().text);
      case 'punct':
        if (token.text === '{') return this.parseObject(path, depth);
        if (token.text === '[') return this.parseList(path, depth);
        break;
      default:
        break;
    }
    throw this.error(`expected a value, found ${describe(token)}`, token);
  }

  private parseObject(path: string[], depth: number): ConfigObject {
    this.take();
    const body = this.parseItems(path, depth + 1);
    this.expectPunct('}', 'to close the block opened before');
    return body;
  }

  private parseList(path: string[], depth: number): ConfigValue[] {
    if (depth > MAX_DEPTH) throw this.error('lists nested too deeply', this.peek());
    this.take();
    const items: ConfigValue[] = [];
    for (;;) {
      this.skip('newline');
      if (isPunct(this.peek(), ']')) break;
      items.push(this.parseValue(path, depth + 1));
      this.skip('newline');
      if (isPunct(this.peek(), ',')) this.take();
      else if (!isPunct(this.peek(), ']'))
        throw this.error(`expected "," or "]" in list, found ${describe(this.peek())}`, this.peek());
    }
    this.take();
    return items;
  }

  private assign(body: ConfigObject, key: Token, value: ConfigValue, prefix: string[]): void {
    const existing = body[key.text];
    if (existing === undefined) {
      body[key.text] = value;
      return;
    }
    if (isConfigObject(existing) && isConfigObject(value)) {
      this.merge(existing, value, [...prefix, key.text], key);
      return;
    }
    throw this.duplicate([...prefix, key.text], key);
  }

  private merge(target: ConfigObject, source: ConfigObject, path: string[], at: Token): void {
    for (const [name, value] of Object.entries(source)) {
      const existing = target[name];
      if (existing === undefined) target[name] = value;
      else if (isConfigObject(existing) && isConfigObject(value))
        this.merge(existing, value, [...path, name], at);
      else throw this.duplicate([...path, name], at);
    }
  }

  private duplicate(path: string[], at: Token): ConfigSyntaxError {
    const first = this.positions.get(pathKey(path));
    const where = first ? ` (first set at line ${first.line}, column ${first.column})` : '';
    return this.error(`duplicate key ${pathKey(path)}${where}`, at);
  }

  private record(path: string[], position: Position): void {
    const key = pathKey(path);
    if (!this.positions.has(key)) this.positions.set(key, position);
  }

  private expectPunct(text: string, why: string): void {
    const token = this.peek();
    if (!isPunct(token, text)) throw this.error(`expected "${text}" ${why}, found ${describe(token)}`, token);
    this.take();
  }

  private skip(...kinds: string[]): void {
    while (kinds.includes(this.peek().kind) || (kinds.includes(',') && isPunct(this.peek(), ',')))
      this.index++;
  }

  private peek(): Token {
    return this.tokens[this.index];
  }

  private take(): Token {
    return this.tokens[this.index++];
  }

  private error(message: string, token: Token): ConfigSyntaxError {
    return new ConfigSyntaxError(message, token.position, this.filename);
  }
}

function isPunct(token: Token, text: string): boolean {
  return token.kind === 'punct' && token.text === text;
}

function describe(token: Token): string {
  if (token.kind === 'eof') return 'end of file';
  if (token.kind === 'newline') return 'end of line';
  const text = JSON.stringify(token.text);
  return token.kind === 'string' ? `string ${text}` : text;
}

/** Integers as Go's `strconv.ParseInt(text, 0, 64)` reads them (HCL v1): `0x1f` hex, `0644` octal. */
function parseNumber(text: string): number {
  if (/^[-+]?0[xX]/.test(text)) return parseInt(text, 16);
  if (/^[-+]?0[0-7]+$/.test(text)) return parseInt(text, 8);
  return Number(text);
}
