// Original file: protos/lanyard/agent/v1/entry_watch.proto

import type { EntryMask as _spire_api_types_EntryMask, EntryMask__Output as _spire_api_types_EntryMask__Output } from '../../../spire/api/types/EntryMask';

export interface WatchRequest {
  'output_mask'?: (_spire_api_types_EntryMask | null);
}

export interface WatchRequest__Output {
  'output_mask': (_spire_api_types_EntryMask__Output | null);
}
