// Original file: protos/lanyard/agent/v1/entry_watch.proto

import type { Entry as _spire_api_types_Entry, Entry__Output as _spire_api_types_Entry__Output } from '../../../spire/api/types/Entry';

export interface WatchResponse {
  'upserted'?: (_spire_api_types_Entry)[];
  'removed_ids'?: (string)[];
  'bundle_changed'?: (boolean);
  'resync'?: (boolean);
  'more'?: (boolean);
}

export interface WatchResponse__Output {
  'upserted': (_spire_api_types_Entry__Output)[];
  'removed_ids': (string)[];
  'bundle_changed': (boolean);
  'resync': (boolean);
  'more': (boolean);
}
