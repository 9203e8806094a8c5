/**
 * Tokenizer for HCL v1 (the syntax SPIRE configs use): comments `#`, `//`, `/* *\/`, identifiers,
 * quoted strings with escapes and `${...}` kept verbatim, heredocs, numbers, booleans and punctuation.
 */
import { ConfigSyntaxError } from '../errors';
import type { Position } from '../tree';

/** Kinds of HCL tokens. */
export type TokenKind = 'ident' | 'string' | 'number' | 'bool' | 'punct' | 'newline' | 'eof';

/** One token with its decoded value and start position. */
export interface Token {
  kind: TokenKind;
  /** Identifier or punctuation text, decoded string contents, or number/bool source text. */
  text: string;
  position: Position;
}

const PUNCT = new Set(['{', '}', '[', ']', '=', ',']);
const IDENT_START = /[A-Za-z_]/;
const IDENT_PART = /[A-Za-z0-9_\-.:]/;
const NUMBER = /^[-+]?(0[xX][0-9a-fA-F]+|(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?)/;
const SIMPLE_ESCAPES: Record<string, string> = {
  n: '\n',
  t: '\t',
  r: '\r',
  '"': '"',
  '\\': '\\',
  a: '\x07',
  b: '\b',
  f: '\f',
  v: '\v',
};

/** Splits HCL source text into tokens. Newlines are kept as tokens (they end object items). */
export class Lexer {
  private offset = 0;
  private line = 1;
  private column = 1;

  constructor(
    private readonly text: string,
    private readonly filename?: string,
  ) {}

  /** Reads every token up to and including `eof`. */
  tokenize(): Token[] {
    const tokens: Token[] = [];
    for (;;) {
      const token = this.next();
      tokens.push(token);
      if (token.kind === 'eof') return tokens;
    }
  }

  private next(): Token {
    this.skipSpaceAndComments();
    const position = this.here();
    if (this.offset >= this.text.length) return { kind: 'eof', text: '', position };
    const ch = this.text[this.offset];
    if (ch === '\n') {
      this.advance(1);
      return { kind: 'newline', text: '\n', position };
    }
    if (PUNCT.has(ch)) {
      this.advance(1);
      return { kind: 'punct', text: ch, position };
    }
    if (ch === '"') return { kind: 'string', text: this.readString(), position };
    if (this.text.startsWith('<<', this.offset))
      return { kind: 'string', text: this.readHeredoc(), position };
    const number = NUMBER.exec(this.text.slice(this.offset, this.offset + 64));
    if (number && /[-+.\d]/.test(ch)) {
      if (IDENT_START.test(this.text[this.offset + number[0].length] ?? '')) {
        throw this.error(
          `invalid number ${JSON.stringify(this.wordAt(this.offset))} (quote durations such as "10s")`,
          position,
        );
      }
      this.advance(number[0].length);
      return { kind: 'number', text: number[0], position };
    }
    if (IDENT_START.test(ch)) {
      const word = this.readWhile(IDENT_PART);
      return { kind: word === 'true' || word === 'false' ? 'bool' : 'ident', text: word, position };
    }
    throw this.error(`unexpected character ${JSON.stringify(ch)}`, position);
  }

  private skipSpaceAndComments(): void {
    for (;;) {
      const ch = this.text[this.offset];
      if (ch === ' ' || ch === '\t' || ch === '\r') this.advance(1);
      else if (ch === '#' || this.text.startsWith('//', this.offset)) this.skipToLineEnd();
      else if (this.text.startsWith('/*', this.offset)) this.skipBlockComment();
      else return;
    }
  }

  private skipToLineEnd(): void {
    while (this.offset < this.text.length && this.text[this.offset] !== '\n') this.advance(1);
  }

  private skipBlockComment(): void {
    const start = this.here();
    const end = this.text.indexOf('*/', this.offset + 2);
    if (end < 0) throw this.error('comment not terminated', start);
    this.advance(end + 2 - this.offset);
  }

  private readString(): string {
    const start = this.here();
    this.advance(1);
    let out = '';
    let braces = 0;
    for (;;) {
      const ch = this.text[this.offset];
      if (ch === undefined || (ch === '\n' && braces === 0)) throw this.error('string not terminated', start);
      if (ch === '"' && braces === 0) {
        this.advance(1);
        return out;
      }
      if (ch === '\\') {
        out += braces > 0 ? this.readRawEscape() : this.readEscape();
        continue;
      }
      if (ch === '$' && this.text[this.offset + 1] === '{') braces++;
      else if (ch === '}' && braces > 0) braces--;
      out += ch;
      this.advance(1);
    }
  }

  private readRawEscape(): string {
    const pair = this.text.slice(this.offset, this.offset + 2);
    this.advance(pair.length);
    return pair;
  }

  private readEscape(): string {
    const position = this.here();
    const kind = this.text[this.offset + 1];
    if (kind !== undefined && kind in SIMPLE_ESCAPES) {
      this.advance(2);
      return SIMPLE_ESCAPES[kind];
    }
    const width = kind === 'u' ? 4 : kind === 'U' ? 8 : 0;
    const hex = this.text.slice(this.offset + 2, this.offset + 2 + width);
    if (width === 0 || !/^[0-9a-fA-F]+$/.test(hex) || hex.length !== width) {
      throw this.error(`invalid escape sequence in string`, position);
    }
    const codePoint = parseInt(hex, 16);
    if (codePoint > 0x10ffff) throw this.error('invalid unicode escape in string', position);
    this.advance(2 + width);
    return String.fromCodePoint(codePoint);
  }

  private readHeredoc(): string {
    const start = this.here();
    this.advance(2);
    const indented = this.text[this.offset] === '-';
    if (indented) this.advance(1);
    const marker = this.readWhile(/[A-Za-z0-9_]/);
    if (!marker || this.text[this.offset] !== '\n') throw this.error('invalid heredoc anchor', start);
    this.advance(1);
    const lines: string[] = [];
    for (;;) {
      if (this.offset >= this.text.length)
        throw this.error(`heredoc not terminated, expected ${marker}`, start);
      const end = this.text.indexOf('\n', this.offset);
      const line = this.text.slice(this.offset, end < 0 ? this.text.length : end).replace(/\r$/, '');
      if ((indented ? line.trim() : line) === marker) {
        this.advance(line.length + (this.text[this.offset + line.length] === '\r' ? 1 : 0));
        return heredocBody(lines, indented);
      }
      lines.push(line);
      this.advance(end < 0 ? this.text.length - this.offset : end + 1 - this.offset);
    }
  }

  /** The run of non-blank, non-punctuation characters starting at `offset` (for messages). */
  private wordAt(offset: number): string {
    return /^[^\s{}[\]=,]*/.exec(this.text.slice(offset, offset + 40))?.[0] ?? '';
  }

  private readWhile(pattern: RegExp): string {
    const begin = this.offset;
    while (this.offset < this.text.length && pattern.test(this.text[this.offset])) this.advance(1);
    return this.text.slice(begin, this.offset);
  }

  private advance(count: number): void {
    for (let i = 0; i < count; i++) {
      if (this.text[this.offset] === '\n') {
        this.line++;
        this.column = 1;
      } else {
        this.column++;
      }
      this.offset++;
    }
  }

  private here(): Position {
    return { line: this.line, column: this.column };
  }

  private error(message: string, position: Position): ConfigSyntaxError {
    return new ConfigSyntaxError(message, position, this.filename);
  }
}

/** Joins heredoc lines (each ending in a newline); `<<-` strips the indentation all lines share. */
function heredocBody(lines: string[], indented: boolean): string {
  if (!indented) return lines.map((l) => `${l}\n`).join('');
  const widths = lines.filter((l) => l.trim()).map((l) => /^[ \t]*/.exec(l)?.[0].length ?? 0);
  const strip = widths.length ? Math.min(...widths) : 0;
  return lines.map((l) => `${l.slice(strip)}\n`).join('');
}
