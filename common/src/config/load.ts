/**
 * Reads a config file (HCL v1 or JSON), optionally expanding environment variables first.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { InvalidArgumentError } from '@lanyard/base';
import { expandEnv, type Environment } from './expand-env';
import { parseHcl } from './hcl';
import { parseJsonConfig } from './json';
import type { ParsedConfig } from './tree';

/** Options for {@link parseConfigText} and {@link readConfigFile}. */
export interface ParseConfigOptions {
  /** `hcl`, `json`, or detect: JSON when the first non-blank character is `{` (as HCL v1 does). */
  format?: 'hcl' | 'json';
  /** Expand `$VAR`/`${VAR}` before parsing (SPIRE's `-expandEnv`). */
  expandEnv?: boolean;
  /** Variables for expansion (default `process.env`). */
  env?: Environment;
  /** File name for messages. */
  filename?: string;
}

/** Parses config text into a {@link ParsedConfig} (a leading byte-order mark is ignored). */
export function parseConfigText(text: string, options: ParseConfigOptions = {}): ParsedConfig {
  const unmarked = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const source = options.expandEnv ? expandEnv(unmarked, options.env) : unmarked;
  const format = options.format ?? (source.trimStart().startsWith('{') ? 'json' : 'hcl');
  return format === 'json'
    ? parseJsonConfig(source, { filename: options.filename })
    : parseHcl(source, { filename: options.filename });
}

/**
 * Reads and parses a config file. A missing file gives SPIRE's message
 * `could not find config file <abs>: please use the -config flag`; a syntax error is wrapped as
 * `unable to decode configuration at "<path>": ...`.
 */
export function readConfigFile(file: string, options: ParseConfigOptions = {}): ParsedConfig {
  const absolute = path.resolve(file);
  let text: string;
  try {
    text = readFileSync(absolute, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new InvalidArgumentError(
        `could not find config file ${absolute}: please use the -config flag`,
        'ERR_CONFIG_MISSING',
      );
    }
    throw new InvalidArgumentError(
      `unable to read configuration at "${file}": ${(err as Error).message}`,
      'ERR_CONFIG_READ',
    );
  }
  const format = options.format ?? (absolute.endsWith('.json') ? 'json' : undefined);
  try {
    const parsed = parseConfigText(text, { ...options, format, filename: undefined });
    return { ...parsed, filename: options.filename ?? file };
  } catch (err) {
    throw new InvalidArgumentError(
      `unable to decode configuration at "${file}": ${(err as Error).message}`,
      'ERR_CONFIG_SYNTAX',
      {
        cause: err,
      },
    );
  }
}
