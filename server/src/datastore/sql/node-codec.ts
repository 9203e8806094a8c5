import { InvalidArgumentError } from '@lanyard/base';
import type { AttestedNode, NewAttestedNode, NodeField, Selector } from '../types';
import type { NodeTable } from './schema';

/** Every writable node field, in a fixed order. */
export const NODE_FIELDS: readonly NodeField[] = [
  'attestationDataType',
  'certSerialNumber',
  'certNotAfter',
  'newCertSerialNumber',
  'newCertNotAfter',
  'canReattest',
  'agentVersion',
];

/** Column of each writable field. */
export const NODE_COLUMN: Record<NodeField, keyof NodeTable> = {
  attestationDataType: 'attestation_data_type',
  certSerialNumber: 'cert_serial_number',
  certNotAfter: 'cert_not_after',
  newCertSerialNumber: 'new_cert_serial_number',
  newCertNotAfter: 'new_cert_not_after',
  canReattest: 'can_reattest',
  agentVersion: 'agent_version',
};

/** @throws InvalidArgumentError naming the field when a node cannot be stored. */
export function validateNode(node: Omit<NewAttestedNode, 'selectors'>): void {
  if (!node.spiffeId) throw new InvalidArgumentError('invalid attested node: missing SPIFFE ID');
  for (const f of ['certNotAfter', 'newCertNotAfter'] as const) {
    if (!Number.isSafeInteger(node[f]) || node[f] < 0) {
      throw new InvalidArgumentError(`invalid attested node: ${f} must be a non-negative integer`);
    }
  }
}

/** Node selectors must have a type and a value. */
export function validateNodeSelectors(selectors: readonly Selector[]): void {
  for (const s of selectors) {
    if (!s.type || !s.value)
      throw new InvalidArgumentError('invalid node selector: type and value are required');
  }
}

/** Column values of a node's fields. */
export function nodeColumns(
  node: Omit<NewAttestedNode, 'selectors'>,
): Omit<NodeTable, 'seq' | 'spiffe_id' | 'created_at'> {
  return {
    attestation_data_type: node.attestationDataType ?? '',
    cert_serial_number: node.certSerialNumber ?? '',
    cert_not_after: node.certNotAfter,
    new_cert_serial_number: node.newCertSerialNumber ?? '',
    new_cert_not_after: node.newCertNotAfter,
    can_reattest: node.canReattest ? 1 : 0,
    agent_version: node.agentVersion ?? '',
  };
}

/** A node from its row (selectors filled by the caller). */
export function nodeFromRow(r: Omit<NodeTable, 'seq'>): AttestedNode {
  return {
    spiffeId: r.spiffe_id,
    attestationDataType: r.attestation_data_type,
    certSerialNumber: r.cert_serial_number,
    certNotAfter: Number(r.cert_not_after),
    newCertSerialNumber: r.new_cert_serial_number,
    newCertNotAfter: Number(r.new_cert_not_after),
    canReattest: Boolean(r.can_reattest),
    agentVersion: r.agent_version || undefined,
    selectors: [],
    banned: r.cert_serial_number === '' && r.new_cert_serial_number === '',
  };
}
