import { InvalidArgumentError } from '@lanyard/base';
import type { MatchMode, SelectorMatch } from '../../datastore/types';
import { selectorFromWire } from './ids';
import type { WireMatch, WireSelectorMatch } from '../wire';

const MODES: Record<string, MatchMode> = {
  MATCH_EXACT: 'EXACT',
  MATCH_SUBSET: 'SUBSET',
  MATCH_SUPERSET: 'SUPERSET',
  MATCH_ANY: 'MATCH_ANY',
  '0': 'EXACT',
  '1': 'SUBSET',
  '2': 'SUPERSET',
  '3': 'MATCH_ANY',
};

/** Wire match behaviour → datastore match mode. */
export function matchFromWire(match: WireMatch | number, field: string): MatchMode {
  const mode = MODES[String(match)];
  if (mode === undefined)
    throw new InvalidArgumentError(`${field}: unknown match behavior "${match}"`, 'ERR_MATCH');
  return mode;
}

/** Validates a selector filter: `malformed selectors filter: empty selector set`. */
export function selectorMatchFromWire(
  wire: WireSelectorMatch,
  what = 'malformed selectors filter',
): SelectorMatch {
  if (wire.selectors.length === 0) {
    throw new InvalidArgumentError(`${what}: empty selector set`, 'ERR_FILTER');
  }
  const selectors = wire.selectors.map((s, i) => {
    try {
      return selectorFromWire(s, `selectors[${i}]`);
    } catch (err) {
      throw new InvalidArgumentError(`${what}: ${(err as Error).message}`, 'ERR_FILTER');
    }
  });
  return { selectors, match: matchFromWire(wire.match, what) };
}
