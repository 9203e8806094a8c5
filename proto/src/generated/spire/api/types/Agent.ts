// Original file: protos/spire/api/types/agent.proto

import type { SPIFFEID as _spire_api_types_SPIFFEID, SPIFFEID__Output as _spire_api_types_SPIFFEID__Output } from '../../../spire/api/types/SPIFFEID';
import type { Selector as _spire_api_types_Selector, Selector__Output as _spire_api_types_Selector__Output } from '../../../spire/api/types/Selector';
import type { Long } from '@grpc/proto-loader';

export interface Agent {
  'id'?: (_spire_api_types_SPIFFEID | null);
  'attestation_type'?: (string);
  'x509svid_serial_number'?: (string);
  'x509svid_expires_at'?: (number | string | Long);
  'selectors'?: (_spire_api_types_Selector)[];
  'banned'?: (boolean);
  'can_reattest'?: (boolean);
  'agent_version'?: (string);
}

export interface Agent__Output {
  'id': (_spire_api_types_SPIFFEID__Output | null);
  'attestation_type': (string);
  'x509svid_serial_number': (string);
  'x509svid_expires_at': (number);
  'selectors': (_spire_api_types_Selector__Output)[];
  'banned': (boolean);
  'can_reattest': (boolean);
  'agent_version': (string);
}
