/**
 * Winston logger factory with SPIRE-style text/JSON lines and secret redaction.
 */
import type { Writable } from 'node:stream';
import * as winston from 'winston';
import { InvalidArgumentError } from '@lanyard/base';
import { formatJson, formatText, type LogRecord } from './format';
import { redactFields, redactJoinTokens } from './redact';

/** Levels Lanyard logs at (SPIRE's `DEBUG|INFO|WARN|ERROR`, lower-cased). */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** Options for {@link createLogger}. */
export interface LoggerOptions {
  /** Minimum level; SPIRE spellings (`DEBUG`, `warn`, ...) accepted. Default `info`. */
  level?: string;
  /** `text` (logrus key=value, the default) or `json`. */
  format?: 'text' | 'json';
  /** Append to this file instead of writing to stderr. */
  file?: string;
  /** Write to this stream instead (tests). */
  stream?: Writable;
  /** Clock for the `time` field (tests). */
  now?: () => Date;
}

const LEVELS: Record<LogLevel, number> = { error: 0, warn: 1, info: 2, debug: 3 };
const WINSTON_KEYS = new Set(['level', 'message']);

/** Parses a SPIRE `log_level` value (case-insensitive; `warning` also accepted). */
export function parseLogLevel(value: string): LogLevel {
  const level = value.toLowerCase() === 'warning' ? 'warn' : value.toLowerCase();
  if (!(level in LEVELS)) {
    throw new InvalidArgumentError(
      `unknown log level ${JSON.stringify(value)}: use DEBUG, INFO, WARN or ERROR`,
      'ERR_LOG_LEVEL',
    );
  }
  return level as LogLevel;
}

/** Parses a SPIRE `log_format` value (`text` or `json`, case-insensitive). */
export function parseLogFormat(value: string): 'text' | 'json' {
  const format = value.toLowerCase();
  if (format !== 'text' && format !== 'json') {
    throw new InvalidArgumentError(
      `unknown log format ${JSON.stringify(value)}: use text or json`,
      'ERR_LOG_FORMAT',
    );
  }
  return format;
}

function toRecord(info: winston.Logform.TransformableInfo, now: () => Date): LogRecord {
  const fields: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(info)) {
    if (!WINSTON_KEYS.has(key)) fields[key] = value;
  }
  return {
    time: now(),
    level: String(info.level),
    msg: redactJoinTokens(String(info.message ?? '')),
    fields: redactFields(fields) as Record<string, unknown>,
  };
}

/**
 * Creates a logger. Add context with `logger.child({ subsystem_name: 'ca' })`; pass fields as the
 * second argument: `logger.info('Signed X509 SVID', { spiffe_id })`. Secret-named fields are redacted.
 */
export function createLogger(options: LoggerOptions = {}): winston.Logger {
  const now = options.now ?? (() => new Date());
  const render = options.format === 'json' ? formatJson : formatText;
  const line = winston.format((info) => {
    (info as Record<symbol, unknown>)[Symbol.for('message')] = render(toRecord(info, now));
    return info;
  });
  const transport = options.stream
    ? new winston.transports.Stream({ stream: options.stream })
    : options.file
      ? new winston.transports.File({ filename: options.file })
      : new winston.transports.Console({ stderrLevels: Object.keys(LEVELS) });
  return winston.createLogger({
    levels: LEVELS,
    level: parseLogLevel(options.level ?? 'info'),
    format: line(),
    transports: [transport],
  });
}

/** The logger type returned by {@link createLogger}. */
export type Logger = winston.Logger;
