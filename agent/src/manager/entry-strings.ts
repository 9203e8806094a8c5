/**
 * Compact strings for entries the agent keeps for a long time (one per registration entry, 100,000s of them).
 * Strings decoded from the wire are fresh copies each, and strings built with `+` are chains of pieces that stay
 * chains in the old generation; both cost several times the characters.
 */
import { SpiffeId, TrustDomain } from '@lanyard/spiffe/id';

/** Distinct values {@link sharedString} keeps at most (selector types and hints repeat; beyond that, no sharing). */
export const MAX_SHARED_STRINGS = 1024;

const shared = new Map<string, string>();

/** One copy per distinct value for the few values many entries repeat (selector types, hints). */
export function sharedString(value: string): string {
  const kept = shared.get(value);
  if (kept !== undefined) return kept;
  if (shared.size < MAX_SHARED_STRINGS) shared.set(value, value);
  return value;
}

/**
 * `spiffe://<td><path>` as one flat string, after the same checks `SpiffeId.fromPath` makes.
 * @throws SpiffeIdError for a bad trust domain or path.
 */
export function flatSpiffeId(trustDomain: string, path: string): string {
  const td = TrustDomain.parse(trustDomain);
  SpiffeId.fromPath(td, path);
  // Array join builds one sequential string, where `+` would keep the pieces.
  return ['spiffe://', td.name, path].join('');
}
