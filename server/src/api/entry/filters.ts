import { InvalidArgumentError } from '@lanyard/base';
import type { EntryFilter } from '../../datastore/types';
import { parseTrustDomain } from '../../util/spiffe-id';
import { idFromWire } from '../convert/ids';
import { matchFromWire, selectorMatchFromWire } from '../convert/match';
import type { WireFederatesWithMatch, WireSelectorMatch, WireSpiffeId, WireValue } from '../wire';

/** `ListEntriesRequest.Filter` / `CountEntriesRequest.Filter` as received. */
export interface WireEntryFilter {
  by_spiffe_id: WireSpiffeId | null;
  by_parent_id: WireSpiffeId | null;
  by_selectors: WireSelectorMatch | null;
  by_federates_with: WireFederatesWithMatch | null;
  by_hint: WireValue<string> | null;
  by_downstream: WireValue<boolean> | null;
}

/** Converts and validates an entry filter with SPIRE's `malformed … filter` messages. */
export function entryFilterFromWire(filter: WireEntryFilter | null | undefined): EntryFilter {
  const out: EntryFilter = {};
  if (filter === null || filter === undefined) return out;
  if (filter.by_spiffe_id) out.spiffeId = idFromWire(filter.by_spiffe_id, 'malformed SPIFFE ID filter');
  if (filter.by_parent_id) out.parentId = idFromWire(filter.by_parent_id, 'malformed parent ID filter');
  if (filter.by_selectors) out.selectors = selectorMatchFromWire(filter.by_selectors);
  if (filter.by_federates_with) {
    const what = 'malformed federates with filter';
    const tds = filter.by_federates_with.trust_domains;
    if (tds.length === 0) throw new InvalidArgumentError(`${what}: empty trust domain set`, 'ERR_FILTER');
    const trustDomains = tds.map((td) => {
      try {
        return parseTrustDomain(td);
      } catch (err) {
        throw new InvalidArgumentError(`${what}: ${(err as Error).message}`, 'ERR_FILTER');
      }
    });
    out.federatesWith = { trustDomains, match: matchFromWire(filter.by_federates_with.match, what) };
  }
  if (filter.by_hint) out.hint = filter.by_hint.value;
  if (filter.by_downstream) out.downstream = filter.by_downstream.value;
  return out;
}
