import { InvalidArgumentError } from '@lanyard/base';
import type { Selector } from '../../datastore/types';
import { parseSpiffeId, spiffeIdFromParts } from '../../util/spiffe-id';
import type { WireSelector, WireSpiffeId } from '../wire';

function reason(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** `spire.api.types.SPIFFEID` → `spiffe://td/path`; throws InvalidArgument `<what>: <reason>`. */
export function idFromWire(id: WireSpiffeId | null | undefined, what: string): string {
  if (id === null || id === undefined) {
    throw new InvalidArgumentError(`${what}: request must specify SPIFFE ID`, 'ERR_SPIFFE_ID_MISSING');
  }
  try {
    return spiffeIdFromParts(id.trust_domain, id.path);
  } catch (err) {
    throw new InvalidArgumentError(`${what}: ${reason(err)}`, 'ERR_SPIFFE_ID');
  }
}

/**
 * `spiffe://td/path` → `spire.api.types.SPIFFEID`. IDs handed in come from the datastore or the CA and were
 * validated on the way in, so this only splits (it is on the hot path of every entry sent to agents).
 */
export function idToWire(id: string): WireSpiffeId {
  const rest = id.startsWith('spiffe://') ? id.slice('spiffe://'.length) : id;
  const slash = rest.indexOf('/');
  return slash === -1
    ? { trust_domain: rest, path: '' }
    : { trust_domain: rest.slice(0, slash), path: rest.slice(slash) };
}

/**
 * Requires a SPIFFE ID in our trust domain with a non-empty path (parent IDs, agent IDs).
 * Messages follow SPIRE: `"<id>" is not a member of trust domain "<td>"`, `…; path is empty`.
 */
export function requireMemberOf(id: string, trustDomain: string, what: string): void {
  const parsed = parseSpiffeId(id);
  if (parsed.trustDomain !== trustDomain) {
    throw new InvalidArgumentError(
      `${what}: "${id}" is not a member of trust domain "${trustDomain}"`,
      'ERR_FOREIGN_TD',
    );
  }
  if (parsed.path === '') {
    throw new InvalidArgumentError(
      `${what}: "${id}" is not a member of trust domain "${trustDomain}"; path is empty`,
      'ERR_EMPTY_PATH',
    );
  }
}

/**
 * Requires a workload ID: in our trust domain, non-empty path, not under the reserved `/spire/` namespace.
 */
export function requireWorkloadId(id: string, trustDomain: string, what: string): void {
  const parsed = parseSpiffeId(id);
  const prefix = `"${id}" is not a workload in trust domain "${trustDomain}"`;
  if (parsed.trustDomain !== trustDomain) {
    throw new InvalidArgumentError(
      `${what}: "${id}" is not a member of trust domain "${trustDomain}"`,
      'ERR_FOREIGN_TD',
    );
  }
  if (parsed.path === '')
    throw new InvalidArgumentError(`${what}: ${prefix}; path is empty`, 'ERR_EMPTY_PATH');
  if (parsed.path.startsWith('/spire/')) {
    throw new InvalidArgumentError(
      `${what}: ${prefix}; path is in the reserved namespace`,
      'ERR_RESERVED_PATH',
    );
  }
}

/** Validates and converts one selector; errors name the index: `selectors[1]: missing selector type`. */
export function selectorFromWire(selector: WireSelector | null, field: string): Selector {
  if (selector === null || selector.type === '') {
    throw new InvalidArgumentError(`${field}: missing selector type`, 'ERR_SELECTOR');
  }
  if (selector.type.includes(':')) {
    throw new InvalidArgumentError(`${field}: selector type contains ':'`, 'ERR_SELECTOR');
  }
  if (selector.value === '')
    throw new InvalidArgumentError(`${field}: missing selector value`, 'ERR_SELECTOR');
  return { type: selector.type, value: selector.value };
}

/** Validates a non-empty selector list. */
export function selectorsFromWire(selectors: WireSelector[], field = 'selectors'): Selector[] {
  if (selectors.length === 0)
    throw new InvalidArgumentError(`${field}: selector list is empty`, 'ERR_SELECTORS_EMPTY');
  return selectors.map((s, i) => selectorFromWire(s, `${field}[${i}]`));
}

/** Model selectors → wire selectors. */
export function selectorsToWire(selectors: readonly Selector[]): WireSelector[] {
  return selectors.map((s) => ({ type: s.type, value: s.value }));
}
