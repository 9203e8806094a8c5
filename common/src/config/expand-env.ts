/**
 * `-expandEnv` support: replaces `$VAR` and `${VAR}` in raw config text before parsing, following Go's
 * `os.ExpandEnv`: unset variables become empty strings, `$` followed by nothing name-like stays as is.
 */

const SPECIAL = '*#$@!?-0123456789';
const NAME_CHAR = /[A-Za-z0-9_]/;

/** Variables to expand from; `process.env` by default. */
export type Environment = Readonly<Record<string, string | undefined>>;

/**
 * Reads the variable name after a `$` at `text[start]`.
 * Returns the name (empty for none) and how many characters after the `$` it used.
 */
function readName(text: string, start: number): { name: string; width: number } {
  const first = text[start];
  if (first === '{') {
    if (SPECIAL.includes(text[start + 1] ?? '\0') && text[start + 2] === '}') {
      return { name: text[start + 1], width: 3 };
    }
    const close = text.indexOf('}', start + 1);
    if (close === start + 1) return { name: '', width: 2 };
    if (close < 0) return { name: '', width: 1 };
    return { name: text.slice(start + 1, close), width: close - start + 1 };
  }
  if (SPECIAL.includes(first)) return { name: first, width: 1 };
  let end = start;
  while (end < text.length && NAME_CHAR.test(text[end])) end++;
  return { name: text.slice(start, end), width: end - start };
}

/** Expands `$VAR` / `${VAR}` in `text` from `env` with Go `os.ExpandEnv` semantics. */
export function expandEnv(text: string, env: Environment = process.env): string {
  let out = '';
  let copied = 0;
  for (let i = 0; i < text.length - 1; i++) {
    if (text[i] !== '$') continue;
    out += text.slice(copied, i);
    const { name, width } = readName(text, i + 1);
    if (name) out += env[name] ?? '';
    else if (width === 0) out += '$';
    i += width;
    copied = i + 1;
  }
  return out + text.slice(copied);
}
