/**
 * The behaviour shared by the server's and the agent's Logger API (`spire.api.{server,agent}.logger.v1`):
 * translation between wire levels (`spire.api.types.LogLevel` names) and logger levels, and the three RPCs
 * over a {@link LogLevelControl}. Each process wraps these in its own RPC boundary.
 */
import { InvalidArgumentError } from '@lanyard/base';
import { logrusLevel } from './format';
import type { LogLevelControl } from './level-control';
import { LOGGER_LEVELS, type LoggerLevel } from './logger';

/** `spire.api.types.LogLevel` value names, index = enum number. */
export const API_LOG_LEVELS = [
  'UNSPECIFIED',
  'PANIC',
  'FATAL',
  'ERROR',
  'WARN',
  'INFO',
  'DEBUG',
  'TRACE',
] as const;

/** A `spire.api.types.LogLevel` value name. */
export type ApiLogLevel = (typeof API_LOG_LEVELS)[number];

/** The `spire.api.types.Logger` message. */
export interface ApiLogger {
  current_level: ApiLogLevel;
  launch_level: ApiLogLevel;
}

/** The minimal logging surface the RPCs write their own lines to. */
interface ApiCallLogger {
  info(message: string, fields?: Record<string, unknown>): void;
}

/** Wire name of a logger level: `debug` → `DEBUG`. */
export function apiLogLevel(level: LoggerLevel): ApiLogLevel {
  return level.toUpperCase() as ApiLogLevel;
}

/** Normalises a decoded enum (name or number) to its name; unknown numbers stay as their text. */
function levelName(value: string | number | undefined | null): string {
  if (typeof value === 'number') return API_LOG_LEVELS[value] ?? String(value);
  return value ?? 'UNSPECIFIED';
}

/**
 * Logger level of a wire level. Throws InvalidArgument for `UNSPECIFIED` (SPIRE's message
 * `newLevel value cannot be LogLevel_UNSPECIFIED`) and for values outside the enum.
 */
export function loggerLevelFromApi(value: string | number | undefined | null): LoggerLevel {
  const name = levelName(value);
  if (name === 'UNSPECIFIED') {
    throw new InvalidArgumentError('newLevel value cannot be LogLevel_UNSPECIFIED', 'ERR_LOG_LEVEL');
  }
  const level = name.toLowerCase();
  if (!(LOGGER_LEVELS as readonly string[]).includes(level)) {
    throw new InvalidArgumentError(
      `new_level: unsupported log level ${JSON.stringify(name)}`,
      'ERR_LOG_LEVEL',
    );
  }
  return level as LoggerLevel;
}

/** The three Logger RPCs over one process logger; `log` receives SPIRE's `... Called` lines. */
export class LoggerApi {
  constructor(
    private readonly control: LogLevelControl,
    private readonly log: ApiCallLogger,
  ) {}

  /** The current and launch levels as a `spire.api.types.Logger`. */
  describe(): ApiLogger {
    return {
      current_level: apiLogLevel(this.control.current()),
      launch_level: apiLogLevel(this.control.launchLevel),
    };
  }

  /** `GetLogger`. */
  get(): ApiLogger {
    this.log.info('GetLogger Called');
    return this.describe();
  }

  /** `SetLogLevel`: validates `newLevel` first, so a refused request changes nothing. */
  set(newLevel: string | number | undefined | null): ApiLogger {
    const level = loggerLevelFromApi(newLevel);
    this.log.info('SetLogLevel Called', { new_log_level: level });
    this.control.set(level);
    return this.describe();
  }

  /** `ResetLogLevel`. */
  reset(): ApiLogger {
    this.log.info('ResetLogLevel Called', { launch_log_level: this.control.launchLevel });
    this.control.reset();
    return this.describe();
  }
}

/**
 * Parses a CLI `-level` value as logrus does (case-insensitive; `warning` = `warn`). Throws with SPIRE's
 * messages: `a value (-level) must be set`, `the value "<v>" is not a valid setting`.
 */
export function parseCliLogLevel(value: string | undefined): ApiLogLevel {
  if (value === undefined || value === '') {
    throw new InvalidArgumentError('a value (-level) must be set', 'ERR_LOG_LEVEL');
  }
  const lower = value.toLowerCase();
  const level = lower === 'warning' ? 'warn' : lower;
  if (!(LOGGER_LEVELS as readonly string[]).includes(level)) {
    throw new InvalidArgumentError(
      `the value ${JSON.stringify(value)} is not a valid setting`,
      'ERR_LOG_LEVEL',
    );
  }
  return apiLogLevel(level as LoggerLevel);
}

/** Logrus' text for a wire level (`WARN` → `warning`), as SPIRE's CLI prints it. */
function logrusLevelText(level: string | number): string {
  const name = levelName(level);
  if (name === 'UNSPECIFIED' || !(API_LOG_LEVELS as readonly string[]).includes(name)) {
    throw new InvalidArgumentError(
      `the returned log level ${JSON.stringify(name)} is undefined`,
      'ERR_LOG_LEVEL',
    );
  }
  return logrusLevel(name.toLowerCase());
}

/** SPIRE's pretty output of a `spire.api.types.Logger`: `Logger Level : <lvl>\nLaunch Level : <lvl>\n\n`. */
export function formatLoggerPretty(logger: {
  current_level: string | number;
  launch_level: string | number;
}): string {
  return `Logger Level : ${logrusLevelText(logger.current_level)}\nLaunch Level : ${logrusLevelText(logger.launch_level)}\n\n`;
}
