import { runAttestationFuzz } from '@lanyard/test-support';
import { agentPayload, noChallenge, server, startWorld } from './helpers';

test('mutated and random attestation payloads are refused with a clear status, never a crash or a hang', async () => {
  await runAttestationFuzz(async () => {
    const world = await startWorld();
    return {
      attestor: await server(world),
      validPayload: await agentPayload(world),
      challenge: noChallenge,
      stop: world.stop,
    };
  });
});
