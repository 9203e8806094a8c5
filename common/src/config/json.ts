/**
 * JSON config parser producing the same {@link ParsedConfig} shape as the HCL parser, with key positions.
 * Objects inside arrays (HCL's JSON form `"DataStore": [{"sql": [{...}]}]`) keep their parent's path.
 */
import { ConfigSyntaxError } from './errors';
import { pathKey, type ConfigObject, type ConfigValue, type ParsedConfig, type Position } from './tree';

const MAX_DEPTH = 64;
// eslint-disable-next-line no-control-regex -- JSON forbids raw control characters inside strings
const STRING = /"(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/y;
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][-+]?\d+)?/y;

/** Parses JSON config text. Throws {@link ConfigSyntaxError} with a line and column on bad syntax. */
export function parseJsonConfig(text: string, options: { filename?: string } = {}): ParsedConfig {
  const scanner = new JsonScanner(text, options.filename);
  const value = scanner.parseDocument();
  return { value, positions: scanner.positions, filename: options.filename };
}

class JsonScanner {
  readonly positions = new Map<string, Position>();
  private offset = 0;
  private scanned = 0;
  private line = 1;
  private lineStart = 0;

  constructor(
    private readonly text: string,
    private readonly filename?: string,
  ) {}

  parseDocument(): ConfigObject {
    this.space();
    if (this.text[this.offset] !== '{') throw this.error('expected a JSON object at the top level');
    const value = this.parseObject([], 0);
    this.space();
    if (this.offset < this.text.length) throw this.error('unexpected text after the JSON object');
    return value;
  }

  private parseValue(path: string[], depth: number): ConfigValue {
    if (depth > MAX_DEPTH) throw this.error('JSON nested too deeply');
    this.space();
    const ch = this.text[this.offset];
    if (ch === '{') return this.parseObject(path, depth);
    if (ch === '[') return this.parseArray(path, depth);
    if (ch === '"') return this.parseString();
    for (const [word, value] of [
      ['true', true],
      ['false', false],
    ] as const) {
      if (this.text.startsWith(word, this.offset)) {
        this.offset += word.length;
        return value;
      }
    }
    if (this.text.startsWith('null', this.offset)) throw this.error('null is not a valid config value');
    NUMBER.lastIndex = this.offset;
    const number = NUMBER.exec(this.text);
    if (!number) throw this.error('expected a JSON value');
    this.offset += number[0].length;
    return Number(number[0]);
  }

  private parseObject(path: string[], depth: number): ConfigObject {
    this.offset++;
    const out: ConfigObject = {};
    this.space();
    if (this.text[this.offset] === '}') {
      this.offset++;
      return out;
    }
    for (;;) {
      this.space();
      const at = this.position();
      if (this.text[this.offset] !== '"') throw this.error('expected a quoted key');
      const key = this.parseString();
      const keyPath = [...path, key];
      if (!this.positions.has(pathKey(keyPath))) this.positions.set(pathKey(keyPath), at);
      this.space();
      if (this.text[this.offset] !== ':') throw this.error('expected ":" after key');
      this.offset++;
      out[key] = this.parseValue(keyPath, depth + 1);
      if (this.endOf('}')) return out;
    }
  }

  private parseArray(path: string[], depth: number): ConfigValue[] {
    this.offset++;
    const out: ConfigValue[] = [];
    this.space();
    if (this.text[this.offset] === ']') {
      this.offset++;
      return out;
    }
    for (;;) {
      out.push(this.parseValue(path, depth + 1));
      if (this.endOf(']')) return out;
    }
  }

  /** After a member: consumes `,` (returns false) or the closing character (returns true). */
  private endOf(close: string): boolean {
    this.space();
    const ch = this.text[this.offset];
    this.offset++;
    if (ch === close) return true;
    if (ch === ',') return false;
    this.offset--;
    throw this.error(`expected "," or "${close}"`);
  }

  private parseString(): string {
    STRING.lastIndex = this.offset;
    const match = STRING.exec(this.text);
    if (!match) throw this.error('invalid JSON string');
    this.offset += match[0].length;
    return JSON.parse(match[0]) as string;
  }

  private space(): void {
    while (/\s/.test(this.text[this.offset] ?? '')) this.offset++;
  }

  /** Line and column of the current offset; scans forward from the last answer (offsets only grow). */
  private position(): Position {
    for (; this.scanned < this.offset; this.scanned++) {
      if (this.text[this.scanned] === '\n') {
        this.line++;
        this.lineStart = this.scanned + 1;
      }
    }
    return { line: this.line, column: this.offset - this.lineStart + 1 };
  }

  private error(message: string): ConfigSyntaxError {
    return new ConfigSyntaxError(message, this.position(), this.filename);
  }
}
