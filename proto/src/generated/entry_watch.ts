import type * as grpc from '@grpc/grpc-js';
import type { MessageTypeDefinition } from '@grpc/proto-loader';

import type { EntryWatchClient as _lanyard_agent_v1_EntryWatchClient, EntryWatchDefinition as _lanyard_agent_v1_EntryWatchDefinition } from './lanyard/agent/v1/EntryWatch';
import type { WatchRequest as _lanyard_agent_v1_WatchRequest, WatchRequest__Output as _lanyard_agent_v1_WatchRequest__Output } from './lanyard/agent/v1/WatchRequest';
import type { WatchResponse as _lanyard_agent_v1_WatchResponse, WatchResponse__Output as _lanyard_agent_v1_WatchResponse__Output } from './lanyard/agent/v1/WatchResponse';
import type { Entry as _spire_api_types_Entry, Entry__Output as _spire_api_types_Entry__Output } from './spire/api/types/Entry';
import type { EntryMask as _spire_api_types_EntryMask, EntryMask__Output as _spire_api_types_EntryMask__Output } from './spire/api/types/EntryMask';
import type { SPIFFEID as _spire_api_types_SPIFFEID, SPIFFEID__Output as _spire_api_types_SPIFFEID__Output } from './spire/api/types/SPIFFEID';
import type { Selector as _spire_api_types_Selector, Selector__Output as _spire_api_types_Selector__Output } from './spire/api/types/Selector';
import type { SelectorMatch as _spire_api_types_SelectorMatch, SelectorMatch__Output as _spire_api_types_SelectorMatch__Output } from './spire/api/types/SelectorMatch';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  lanyard: {
    agent: {
      v1: {
        EntryWatch: SubtypeConstructor<typeof grpc.Client, _lanyard_agent_v1_EntryWatchClient> & { service: _lanyard_agent_v1_EntryWatchDefinition }
        WatchRequest: MessageTypeDefinition<_lanyard_agent_v1_WatchRequest, _lanyard_agent_v1_WatchRequest__Output>
        WatchResponse: MessageTypeDefinition<_lanyard_agent_v1_WatchResponse, _lanyard_agent_v1_WatchResponse__Output>
      }
    }
  }
  spire: {
    api: {
      types: {
        Entry: MessageTypeDefinition<_spire_api_types_Entry, _spire_api_types_Entry__Output>
        EntryMask: MessageTypeDefinition<_spire_api_types_EntryMask, _spire_api_types_EntryMask__Output>
        SPIFFEID: MessageTypeDefinition<_spire_api_types_SPIFFEID, _spire_api_types_SPIFFEID__Output>
        Selector: MessageTypeDefinition<_spire_api_types_Selector, _spire_api_types_Selector__Output>
        SelectorMatch: MessageTypeDefinition<_spire_api_types_SelectorMatch, _spire_api_types_SelectorMatch__Output>
      }
    }
  }
}

