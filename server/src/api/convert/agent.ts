import { InvalidArgumentError } from '@lanyard/base';
import type { AttestedNode, NodeFilter } from '../../datastore/types';
import { idToWire, selectorsToWire } from './ids';
import { selectorMatchFromWire } from './match';
import type { WireAgent, WireAgentMask, WireSelectorMatch, WireValue } from '../wire';

/** `ListAgentsRequest.Filter` / `CountAgentsRequest.Filter`. */
export interface WireAgentFilter {
  by_attestation_type: string;
  by_selector_match: WireSelectorMatch | null;
  by_banned: WireValue<boolean> | null;
  by_can_reattest: WireValue<boolean> | null;
  by_expires_before: string;
}

const GO_TIME = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2}) ([+-])(\d{2})(\d{2})(?: \S+)?$/;

/** Parses SPIRE's CLI time layout `2006-01-02 15:04:05 -0700 -07` into unix seconds. */
export function parseGoTime(text: string, field: string): number {
  const m = GO_TIME.exec(text);
  if (m === null) {
    throw new InvalidArgumentError(
      `${field}: time "${text}" must be formatted as "2006-01-02 15:04:05 -0700 -07"`,
      'ERR_TIME_FORMAT',
    );
  }
  const [, y, mo, d, h, mi, s, sign, oh, om] = m;
  const utc = Date.UTC(+y, +mo - 1, +d, +h, +mi, +s) / 1000;
  const offset = (+oh * 3600 + +om * 60) * (sign === '-' ? -1 : 1);
  return utc - offset;
}

/** Converts and validates an agent filter. */
export function agentFilterFromWire(filter: WireAgentFilter | null | undefined): NodeFilter {
  const out: NodeFilter = {};
  if (filter === null || filter === undefined) return out;
  if (filter.by_attestation_type !== '') out.attestationType = filter.by_attestation_type;
  if (filter.by_selector_match) out.selectors = selectorMatchFromWire(filter.by_selector_match);
  if (filter.by_banned) out.banned = filter.by_banned.value;
  if (filter.by_can_reattest) out.canReattest = filter.by_can_reattest.value;
  if (filter.by_expires_before !== '')
    out.expiresBefore = parseGoTime(filter.by_expires_before, 'by_expires_before');
  return out;
}

/** Attested node → wire agent with only masked fields (`id` always). */
export function agentToWire(node: AttestedNode, mask?: WireAgentMask | null): Partial<WireAgent> {
  const all = mask === null || mask === undefined;
  const want = (field: keyof WireAgentMask): boolean => all || mask[field];
  const out: Partial<WireAgent> = { id: idToWire(node.spiffeId) };
  if (want('attestation_type')) out.attestation_type = node.attestationDataType;
  if (want('x509svid_serial_number')) out.x509svid_serial_number = node.certSerialNumber;
  if (want('x509svid_expires_at')) out.x509svid_expires_at = node.certNotAfter;
  if (want('selectors')) out.selectors = selectorsToWire(node.selectors);
  if (want('banned')) out.banned = node.banned;
  if (want('can_reattest')) out.can_reattest = node.canReattest;
  if (want('agent_version')) out.agent_version = node.agentVersion ?? '';
  return out;
}
