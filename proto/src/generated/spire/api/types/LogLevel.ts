// Original file: protos/spire/api/types/logger.proto

export const LogLevel = {
  UNSPECIFIED: 'UNSPECIFIED',
  PANIC: 'PANIC',
  FATAL: 'FATAL',
  ERROR: 'ERROR',
  WARN: 'WARN',
  INFO: 'INFO',
  DEBUG: 'DEBUG',
  TRACE: 'TRACE',
} as const;

export type LogLevel =
  | 'UNSPECIFIED'
  | 0
  | 'PANIC'
  | 1
  | 'FATAL'
  | 2
  | 'ERROR'
  | 3
  | 'WARN'
  | 4
  | 'INFO'
  | 5
  | 'DEBUG'
  | 6
  | 'TRACE'
  | 7

export type LogLevel__Output = typeof LogLevel[keyof typeof LogLevel]
