// Original file: protos/spire/api/agent/logger/v1/logger.proto

import type { LogLevel as _spire_api_types_LogLevel, LogLevel__Output as _spire_api_types_LogLevel__Output } from '../../../../../spire/api/types/LogLevel';

export interface SetLogLevelRequest {
  'new_level'?: (_spire_api_types_LogLevel);
}

export interface SetLogLevelRequest__Output {
  'new_level': (_spire_api_types_LogLevel__Output);
}
