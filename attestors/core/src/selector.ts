import { InvalidArgumentError } from '@lanyard/base';

/** A selector as SPIRE models it: a type (the plugin, e.g. `unix`, `k8s`, `aws_iid`) and a value (`uid:1000`). */
export interface Selector {
  readonly type: string;
  readonly value: string;
}

/**
 * Parses a CLI-style selector `type:value` (the value may itself contain colons, e.g. `k8s:pod-label:app:web`).
 * @throws InvalidArgumentError when the type or the value is missing.
 */
export function parseSelector(text: string): Selector {
  const colon = text.indexOf(':');
  if (colon <= 0) {
    throw new InvalidArgumentError(
      `selector "${text}" must be of the form type:value`,
      'ERR_SELECTOR_FORMAT',
    );
  }
  const value = text.slice(colon + 1);
  if (value.length === 0) {
    throw new InvalidArgumentError(`selector "${text}" has no value`, 'ERR_SELECTOR_FORMAT');
  }
  return { type: text.slice(0, colon), value };
}

/** Formats a selector the way SPIRE prints it: `type:value`. */
export function formatSelector(selector: Selector): string {
  return `${selector.type}:${selector.value}`;
}

/** The distinct values of `selectors`, sorted, as selectors of `type` (how node attestors report theirs). */
export function sortedUniqueSelectors(type: string, selectors: readonly Selector[]): Selector[] {
  return [...new Set(selectors.map((s) => s.value))].sort().map((value) => ({ type, value }));
}
