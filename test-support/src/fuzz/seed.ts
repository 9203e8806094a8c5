/**
 * Seeds and run counts of the seeded fuzz cases. Every case prints its seed when it fails; set
 * `LANYARD_FUZZ_SEED` to replay that run, `LANYARD_FUZZ_RUNS` to change how many inputs each target gets.
 */
import { randomInt } from 'node:crypto';
import { soakRequested } from '../reliability-doc';

/** Environment variable that fixes the seed of every fuzz case in the run. */
export const FUZZ_SEED_ENV = 'LANYARD_FUZZ_SEED';
/** Environment variable that overrides the number of inputs per fuzz target. */
export const FUZZ_RUNS_ENV = 'LANYARD_FUZZ_RUNS';

/** The seed of this run: `LANYARD_FUZZ_SEED` when set (decimal integer), a random 31-bit one otherwise. */
export function fuzzSeed(): number {
  const fixed = process.env[FUZZ_SEED_ENV];
  if (fixed === undefined || fixed === '') return randomInt(0, 2 ** 31 - 1);
  const seed = Number(fixed);
  if (!Number.isSafeInteger(seed)) throw new Error(`${FUZZ_SEED_ENV}: "${fixed}" is not an integer`);
  return seed;
}

/** Inputs per target: `LANYARD_FUZZ_RUNS` when set, `soak` under `LANYARD_SOAK=1`, `short` otherwise. */
export function fuzzRuns(short: number, soak: number): number {
  const fixed = process.env[FUZZ_RUNS_ENV];
  if (fixed !== undefined && fixed !== '') {
    const runs = Number(fixed);
    if (!Number.isSafeInteger(runs) || runs < 1)
      throw new Error(`${FUZZ_RUNS_ENV}: "${fixed}" is not a positive integer`);
    return runs;
  }
  return soakRequested() ? soak : short;
}

/** Text to append to a failure so it can be replayed: `seed 123 (replay: LANYARD_FUZZ_SEED=123)`. */
export function replayHint(seed: number): string {
  return `seed ${seed} (replay: ${FUZZ_SEED_ENV}=${seed})`;
}

/**
 * Runs `body` and, when it throws, rethrows with the seed in the message (and prints it), so every failure of a
 * seeded case names how to reproduce it.
 */
export async function withSeed<T>(seed: number, body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (err) {
    const hint = replayHint(seed);
    process.stderr.write(`fuzz failure, ${hint}\n`);
    if (err instanceof Error) {
      err.message = `${err.message}\n[${hint}]`;
      throw err;
    }
    throw new Error(`${String(err)}\n[${hint}]`);
  }
}
