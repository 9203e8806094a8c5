/**
 * A real server plus a real agent attested with a join token, and an entry that gives the test process's own
 * uid an identity on that agent: what the Workload API cases fuzz and attack.
 */
import * as path from 'node:path';
import { AgentUnderTest, ServerUnderTest, waitFor } from '@lanyard/e2e';
import { WorkloadApiClient } from '@lanyard/spiffe';
import { startServer } from './cluster';

/** Server, agent and the identity the test process gets from the agent. */
export interface AgentCluster {
  readonly server: ServerUnderTest;
  readonly agent: AgentUnderTest;
  readonly agentId: string;
  readonly token: string;
  readonly workloadId: string;
  readonly workload: WorkloadApiClient;
  stop(): Promise<void>;
}

/**
 * Starts the server and an agent (sync every second), registers `spiffe://<td>/<workloadPath>` for this
 * process's uid under the agent, and waits until the Workload API serves it.
 */
export async function startAgentCluster(
  dir: string,
  workloadPath = '/reliability/me',
): Promise<AgentCluster> {
  const server = await startServer(dir);
  const token = await server.joinToken();
  const agentId = `spiffe://${server.trustDomain}/spire/agent/join_token/${token}`;
  const workloadId = `spiffe://${server.trustDomain}${workloadPath}`;
  await server.createEntry([
    '-spiffeID',
    workloadId,
    '-parentID',
    agentId,
    '-selector',
    `unix:uid:${process.getuid!()}`,
  ]);
  const agent = await AgentUnderTest.start({
    dir: path.join(dir, 'agent'),
    serverPort: server.port,
    trustBundlePath: await server.writeBundle(),
    joinToken: token,
    syncInterval: '1s',
  });
  const workload = new WorkloadApiClient({ address: agent.endpoint });
  await waitFor(
    'the workload identity',
    async () => {
      const svid = await workload.fetchX509Svid();
      return svid.id.toString() === workloadId ? true : undefined;
    },
    60_000,
  );
  return {
    server,
    agent,
    agentId,
    token,
    workloadId,
    workload,
    stop: async () => {
      await workload.close();
      await agent.stop();
      await server.stop();
    },
  };
}
