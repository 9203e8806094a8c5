// Original file: protos/spire/api/types/logger.proto

import type { LogLevel as _spire_api_types_LogLevel, LogLevel__Output as _spire_api_types_LogLevel__Output } from '../../../spire/api/types/LogLevel';

export interface Logger {
  'current_level'?: (_spire_api_types_LogLevel);
  'launch_level'?: (_spire_api_types_LogLevel);
}

export interface Logger__Output {
  'current_level': (_spire_api_types_LogLevel__Output);
  'launch_level': (_spire_api_types_LogLevel__Output);
}
