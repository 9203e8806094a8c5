/**
 * Go `flag`-style command lines for commander 14: `-flag value`, `-flag=value`, `--flag`, bools written
 * `-flag`, `-flag=true` or `-flag=false`, and repeatable list flags (`-selector a -selector b`).
 */
import { Option, type Command } from 'commander';

/** Options of every command on the path named by `argv` (root first), following subcommand names. */
function optionsOnPath(root: Command, argv: readonly string[]): Option[] {
  const options = [...root.options];
  let current = root;
  for (const arg of argv) {
    if (arg === '--') break;
    if (arg.startsWith('-')) continue;
    const sub = current.commands.find((c) => c.name() === arg || c.aliases().includes(arg));
    if (!sub) continue;
    current = sub;
    options.push(...sub.options);
  }
  return options;
}

function isBoolean(option: Option): boolean {
  return !option.required && !option.optional && !option.negate;
}

/**
 * Rewrites single-dash long flags (`-spiffeID x`, `-ttl=60`) to commander's `--` form and turns
 * `--flag=true|false` for boolean flags into `--flag` / `--no-flag` (or nothing when no `--no-` form exists).
 * Single-letter flags (`-h`), negative numbers and everything after `--` are left alone.
 * Pass the root command so boolean flags of the chosen subcommand are known.
 */
export function normalizeGoFlags(argv: readonly string[], root?: Command): string[] {
  const options = root ? optionsOnPath(root, argv) : [];
  const longs = new Map(options.filter((o) => o.long).map((o) => [o.long as string, o]));
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') {
      out.push(...argv.slice(i));
      break;
    }
    const long = /^-[A-Za-z][A-Za-z0-9_-]+(=.*)?$/.test(arg) ? `-${arg}` : arg;
    out.push(...rewriteBoolean(long, longs));
  }
  return out;
}

function rewriteBoolean(arg: string, longs: Map<string, Option>): string[] {
  const match = /^--([A-Za-z][A-Za-z0-9_-]*)=(true|false|1|0|t|f)$/i.exec(arg);
  if (!match) return [arg];
  const positive = longs.get(`--${match[1]}`);
  const negated = `--no-${match[1]}`;
  const hasNegated = longs.has(negated);
  if (positive ? !isBoolean(positive) : !hasNegated) return [arg];
  if (/^(true|1|t)$/i.test(match[2])) return positive ? [`--${match[1]}`] : [];
  return hasNegated ? [negated] : [];
}

/** Appends one more value to a repeatable list flag. */
export function collectList(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** A repeatable list option (`-selector unix:uid:0 -selector unix:gid:0`), defaulting to `[]`. */
export function listOption(flags: string, description: string): Option {
  return new Option(flags, description).argParser(collectList).default([]);
}
