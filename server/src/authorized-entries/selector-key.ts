import type { Selector } from '../datastore/types';

/** Map key of a selector: `type` + NUL + `value` (NUL cannot appear in either). */
export function selectorKey(selector: Selector): string {
  return `${selector.type}\u0000${selector.value}`;
}

/** Distinct keys of a selector list. */
export function selectorKeys(selectors: readonly Selector[]): Set<string> {
  return new Set(selectors.map(selectorKey));
}
