export {
  createLogger,
  parseLogLevel,
  parseLogFormat,
  type Logger,
  type LoggerOptions,
  type LogLevel,
} from './logger';
export { formatText, formatJson, formatTime, logrusLevel, type LogRecord } from './format';
export { REDACTED, isSecretFieldName, redactFields, redactJoinTokens } from './redact';
