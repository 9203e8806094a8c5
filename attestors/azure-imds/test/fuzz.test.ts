import { runAttestationFuzz } from '@lanyard/test-support';
import { agent, server, startWorld } from './helpers';

test('mutated and random attestation payloads are refused with a clear status, never a crash or a hang', async () => {
  await runAttestationFuzz(async () => {
    const world = await startWorld();
    const agentHalf = await agent(world);
    return {
      attestor: await server(world),
      validPayload: await agentHalf.payload(),
      challenge: (nonce) => agentHalf.respondToChallenge!(nonce),
      stop: world.stop,
    };
  });
});
