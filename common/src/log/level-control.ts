/**
 * Live control of a running logger's level, as SPIRE's Logger API (`GetLogger`, `SetLogLevel`,
 * `ResetLogLevel`) exposes it. Child loggers follow the root level, so one switch covers the process.
 */
import { InvalidArgumentError } from '@lanyard/base';
import { LOGGER_LEVELS, type Logger, type LoggerLevel } from './logger';

/** Reads and changes the level of one running logger; remembers the level it was launched with. */
export interface LogLevelControl {
  /** The level the logger had when the control was created (the configured `log_level`). */
  readonly launchLevel: LoggerLevel;
  /** The level the logger filters at now. */
  current(): LoggerLevel;
  /** Switches the logger to `level` (takes effect for the next line, in every child logger). */
  set(level: LoggerLevel): void;
  /** Switches the logger back to {@link launchLevel}. */
  reset(): void;
}

/** True when `value` names one of {@link LOGGER_LEVELS}. */
export function isLoggerLevel(value: string): value is LoggerLevel {
  return (LOGGER_LEVELS as readonly string[]).includes(value);
}

/** Creates the control of `logger` (a logger made by `createLogger`); its current level becomes the launch level. */
export function logLevelControl(logger: Logger): LogLevelControl {
  const read = (): LoggerLevel => {
    const level = String(logger.level);
    if (!isLoggerLevel(level)) {
      throw new InvalidArgumentError(
        `logger level ${JSON.stringify(level)} is not a known level`,
        'ERR_LOG_LEVEL',
      );
    }
    return level;
  };
  const launchLevel = read();
  return {
    launchLevel,
    current: read,
    set(level) {
      if (!isLoggerLevel(level)) {
        throw new InvalidArgumentError(`unknown log level ${JSON.stringify(level)}`, 'ERR_LOG_LEVEL');
      }
      logger.level = level;
    },
    reset() {
      logger.level = launchLevel;
    },
  };
}
