/**
 * How many plugins of one type a process accepts, with SPIRE's wording for a violated rule
 * (`expected exactly 1 but got 0`).
 */

/** Bounds on the number of enabled plugins of one type; `max` 0 means unbounded (as SPIRE). */
export interface Cardinality {
  readonly min: number;
  readonly max: number;
}

/** Exactly one plugin (DataStore, KeyManager, the agent's NodeAttestor). */
export const EXACTLY_ONE: Cardinality = { min: 1, max: 1 };
/** Zero or one plugin (UpstreamAuthority). */
export const MAYBE_ONE: Cardinality = { min: 0, max: 1 };
/** One or more plugins (the agent's WorkloadAttestors). */
export const AT_LEAST_ONE: Cardinality = { min: 1, max: 0 };
/** Any number of plugins (the server's NodeAttestors, Notifiers, …). */
export const ZERO_OR_MORE: Cardinality = { min: 0, max: 0 };

/**
 * Why `count` plugins break `cardinality`, in SPIRE's words (`expected at least 1 but got 0`), or
 * `undefined` when the count is allowed.
 */
export function cardinalityViolation(cardinality: Cardinality, count: number): string | undefined {
  const { min, max } = cardinality;
  if (max > 0 && min === max && count !== min) return `expected exactly ${min} but got ${count}`;
  if (min > 0 && count < min) return `expected at least ${min} but got ${count}`;
  if (max > 0 && count > max) return `expected at most ${max} but got ${count}`;
  return undefined;
}
