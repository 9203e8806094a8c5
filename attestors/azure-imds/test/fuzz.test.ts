import { fuzzSeed, mutatedBytes, runAttestationFuzz, sampleSeeded } from '@lanyard/test-support';
import { agent, server, startWorld } from './helpers';

test('mutated and random attestation payloads are refused with a clear status, never a crash or a hang', async () => {
  await runAttestationFuzz(async () => {
    const world = await startWorld();
    const agentHalf = await agent(world);
    // azure_imds proves the node in its challenge response; the payload is only a marker, and mutating it alone
    // may reach nothing. Every other attestation therefore also answers with a mutated response, drawn from the
    // same seed (LANYARD_FUZZ_SEED replays both).
    const seed = fuzzSeed();
    let calls = 0;
    return {
      attestor: await server(world),
      validPayload: await agentHalf.payload(),
      challenge: async (nonce) => {
        const response = await agentHalf.respondToChallenge!(nonce);
        calls += 1;
        return calls % 2 === 0 ? response : sampleSeeded(mutatedBytes(response), seed + calls, 1)[0].bytes;
      },
      stop: world.stop,
    };
  });
});
