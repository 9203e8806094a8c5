import { fuzzAttestationPayloads, fuzzRuns, fuzzSeed, withSeed } from '@lanyard/test-support';
import { agentPayload, noChallenge, server, startWorld } from './helpers';

const SEED = fuzzSeed();

test('mutated and random attestation payloads are refused with a clear status, never a crash or a hang', async () => {
  const world = await startWorld();
  try {
    const attestor = await server(world);
    const validPayload = await agentPayload(world);
    const report = await withSeed(SEED, () =>
      fuzzAttestationPayloads({
        attestor,
        validPayload,
        challenge: noChallenge,
        seed: SEED,
        runs: fuzzRuns(60, 2000),
      }),
    );
    expect(report.findings).toEqual([]);
    const refused = Object.entries(report.outcomes).filter(([name]) => name !== 'OK');
    expect(refused.length).toBeGreaterThan(0);
  } finally {
    await world.stop();
  }
});
