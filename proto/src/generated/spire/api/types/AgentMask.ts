// Original file: protos/spire/api/types/agent.proto


export interface AgentMask {
  'attestation_type'?: (boolean);
  'x509svid_serial_number'?: (boolean);
  'x509svid_expires_at'?: (boolean);
  'selectors'?: (boolean);
  'banned'?: (boolean);
  'can_reattest'?: (boolean);
  'agent_version'?: (boolean);
}

export interface AgentMask__Output {
  'attestation_type': (boolean);
  'x509svid_serial_number': (boolean);
  'x509svid_expires_at': (boolean);
  'selectors': (boolean);
  'banned': (boolean);
  'can_reattest': (boolean);
  'agent_version': (boolean);
}
