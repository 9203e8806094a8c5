export {
  createLogger,
  parseLogLevel,
  parseLogFormat,
  LOGGER_LEVELS,
  type Logger,
  type LoggerLevel,
  type LoggerOptions,
  type LogLevel,
} from './logger';
export { logLevelControl, isLoggerLevel, type LogLevelControl } from './level-control';
export { formatText, formatJson, formatTime, logrusLevel, type LogRecord } from './format';
export { REDACTED, isSecretFieldName, redactFields, redactJoinTokens } from './redact';
export {
  LoggerApi,
  API_LOG_LEVELS,
  apiLogLevel,
  loggerLevelFromApi,
  parseCliLogLevel,
  formatLoggerPretty,
  type ApiLogLevel,
  type ApiLogger,
} from './logger-api';
