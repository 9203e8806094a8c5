/**
 * Winston logger factory with SPIRE-style text/JSON lines and secret redaction.
 */
import type { Writable } from 'node:stream';
import * as winston from 'winston';
import { InvalidArgumentError } from '@lanyard/base';
import { formatJson, formatText, type LogRecord } from './format';
import { redactFields, redactJoinTokens } from './redact';
import { callerLocation } from './source-location';

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
  /** Add the caller's `file` and `func` to every line (SPIRE's `log_source_location`). */
  sourceLocation?: boolean;
  /** Clock for the `time` field (tests). */
  now?: () => Date;
}

/**
 * Every level the logger knows, most severe first: SPIRE's logrus levels. Config files set one of
 * {@link LogLevel}; the Logger API may also set `panic`, `fatal` (only panics and fatal errors would print:
 * Lanyard logs neither, so the process goes quiet) and `trace` (everything, like `debug`).
 */
export const LOGGER_LEVELS = ['panic', 'fatal', 'error', 'warn', 'info', 'debug', 'trace'] as const;

/** A level the running logger can be switched to (see {@link LOGGER_LEVELS}). */
export type LoggerLevel = (typeof LOGGER_LEVELS)[number];

const LEVELS: Record<LoggerLevel, number> = Object.fromEntries(
  LOGGER_LEVELS.map((level, severity) => [level, severity]),
) as Record<LoggerLevel, number>;
const CONFIG_LEVELS = new Set<string>(['error', 'warn', 'info', 'debug']);
const WINSTON_KEYS = new Set(['level', 'message']);

/** Parses a SPIRE `log_level` value (case-insensitive; `warning` also accepted). */
export function parseLogLevel(value: string): LogLevel {
  const level = value.toLowerCase() === 'warning' ? 'warn' : value.toLowerCase();
  if (!CONFIG_LEVELS.has(level)) {
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
  // Records above the live level are dropped before formatting (winston would otherwise format every record
  // and only filter in the transport); the level is read per record, so a changed level applies at once.
  const line = winston.format((info) => {
    if (LEVELS[info.level as LoggerLevel] > LEVELS[logger.level as LoggerLevel]) return false;
    if (options.sourceLocation) Object.assign(info, callerLocation());
    (info as Record<symbol, unknown>)[Symbol.for('message')] = render(toRecord(info, now));
    return info;
  });
  const transport = options.stream
    ? new winston.transports.Stream({ stream: options.stream })
    : options.file
      ? new winston.transports.File({ filename: options.file })
      : new winston.transports.Console({ stderrLevels: Object.keys(LEVELS) });
  const logger: winston.Logger = winston.createLogger({
    levels: LEVELS,
    level: parseLogLevel(options.level ?? 'info'),
    format: line(),
    transports: [transport],
  });
  return logger;
}

/** The logger type returned by {@link createLogger}. */
export type Logger = winston.Logger;
