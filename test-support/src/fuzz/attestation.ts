/**
 * Seeded fuzzing of a node attestor's server half: mutations of a valid agent payload (and random bytes) are
 * attested in process. Every input must settle within a bound, and every refusal must be a Lanyard error with a
 * status a client may see for bad evidence, never a plain exception (which the API boundary turns into Internal).
 */
import { LanyardError, StatusCode } from '@lanyard/base';
import { mutatedBytes, sampleSeeded } from './bytes';
import { fuzzRuns, fuzzSeed, withSeed } from './seed';

/** The part of a server-side node attestor the fuzzer drives. */
export interface FuzzedNodeAttestor {
  attest(payload: Buffer, challenge: (challenge: Buffer) => Promise<Buffer>): Promise<unknown>;
}

/** Statuses bad evidence may end with. */
export const ATTESTATION_REFUSAL_STATUSES: ReadonlySet<number> = new Set([
  StatusCode.INVALID_ARGUMENT,
  StatusCode.PERMISSION_DENIED,
  StatusCode.NOT_FOUND,
  StatusCode.UNAUTHENTICATED,
  StatusCode.FAILED_PRECONDITION,
]);

/** Options of {@link fuzzAttestationPayloads}. */
export interface AttestationFuzzOptions {
  readonly attestor: FuzzedNodeAttestor;
  /** A payload the attestor accepts, made by the agent half. */
  readonly validPayload: Buffer;
  readonly challenge: (challenge: Buffer) => Promise<Buffer>;
  readonly seed: number;
  readonly runs: number;
  /** Bound for one attestation; default 10 s. */
  readonly timeoutMs?: number;
}

/** One input that broke the rules: what was sent and what came back. */
export interface AttestationFuzzFinding {
  readonly mutation: string;
  readonly payloadBase64: string;
  readonly outcome: string;
}

/** How the inputs ended (`OK` or a status code name) and the inputs that broke the rules. */
export interface AttestationFuzzReport {
  readonly outcomes: Record<string, number>;
  readonly findings: AttestationFuzzFinding[];
}

function statusName(code: number): string {
  return Object.entries(StatusCode).find(([, value]) => value === code)?.[0] ?? String(code);
}

async function outcomeOf(options: AttestationFuzzOptions, payload: Buffer): Promise<string | LanyardError> {
  const bound = options.timeoutMs ?? 10_000;
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve(`no answer within ${bound} ms`), bound);
  });
  const attempt = options.attestor.attest(payload, options.challenge).then(
    () => 'OK',
    (err: unknown) =>
      err instanceof LanyardError ? err : `plain ${(err as Error)?.name ?? typeof err}: ${String(err)}`,
  );
  try {
    return await Promise.race([attempt, hang]);
  } finally {
    clearTimeout(timer);
  }
}

/** Attests `runs` seeded mutations of the valid payload; see {@link AttestationFuzzReport}. */
export async function fuzzAttestationPayloads(
  options: AttestationFuzzOptions,
): Promise<AttestationFuzzReport> {
  const outcomes: Record<string, number> = {};
  const findings: AttestationFuzzFinding[] = [];
  for (const mutation of sampleSeeded(mutatedBytes(options.validPayload), options.seed, options.runs)) {
    const outcome = await outcomeOf(options, mutation.bytes);
    const name = outcome instanceof LanyardError ? statusName(outcome.grpcStatus) : outcome;
    outcomes[name] = (outcomes[name] ?? 0) + 1;
    const allowed =
      outcome === 'OK' ||
      (outcome instanceof LanyardError && ATTESTATION_REFUSAL_STATUSES.has(outcome.grpcStatus));
    if (!allowed) {
      findings.push({
        mutation: mutation.kind,
        payloadBase64: mutation.bytes.toString('base64'),
        outcome: name,
      });
    }
  }
  return { outcomes, findings };
}

/** An attestor's test world: its fakes, the server half under test and a valid payload from its agent half. */
export interface AttestorFuzzWorld {
  readonly attestor: FuzzedNodeAttestor;
  readonly validPayload: Buffer;
  readonly challenge: (challenge: Buffer) => Promise<Buffer>;
  stop(): Promise<void>;
}

/**
 * The attestation fuzz case every attestor's tests run: a seeded {@link fuzzAttestationPayloads} over the world
 * (`runs` short, `soakRuns` under `LANYARD_SOAK=1`); resolves with the report, throws naming the seed when an input
 * broke the rules or no input was refused at all (the mutations did not reach the verifier).
 */
export async function runAttestationFuzz(
  start: () => Promise<AttestorFuzzWorld>,
  runs = { short: 60, soak: 2000 },
): Promise<AttestationFuzzReport> {
  const seed = fuzzSeed();
  const world = await start();
  try {
    return await withSeed(seed, async () => {
      const report = await fuzzAttestationPayloads({ ...world, seed, runs: fuzzRuns(runs.short, runs.soak) });
      if (report.findings.length > 0) {
        throw new Error(`attestation inputs broke the rules: ${JSON.stringify(report.findings, null, 2)}`);
      }
      if (Object.keys(report.outcomes).every((name) => name === 'OK')) {
        throw new Error('no mutated payload was refused: the mutations do not reach the verifier');
      }
      return report;
    });
  } finally {
    await world.stop();
  }
}
