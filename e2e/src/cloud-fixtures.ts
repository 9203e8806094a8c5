/**
 * Shared steps of the cloud node-attestor suites: one real server and two real agents ("web" and "other") that
 * attest with the same cloud attestor against loopback fakes, a node-alias entry that only the web node's
 * selectors match, and workload fetches as another uid.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { AgentUnderTest } from './agent-under-test';
import { pluginBlock, type HclValue } from './hcl';
import { waitFor } from './process';
import { ServerUnderTest } from './server-under-test';

/** Uid the workload fetches run as (through setpriv). */
export const WORKLOAD_UID = 1001;
/** Uid of the positive-control workload on the "other" node. */
export const OTHER_WORKLOAD_UID = 1002;

/** Plugin data of one cloud node attestor: the server half and the two agents' halves. */
export interface CloudAttestorSetup {
  /** Plugin name, e.g. `aws_iid`. */
  readonly name: string;
  readonly server: Record<string, HclValue>;
  readonly webAgent: Record<string, HclValue>;
  readonly otherAgent: Record<string, HclValue>;
}

/** A running server and its two attested agents. */
export interface CloudCluster {
  readonly dir: string;
  readonly server: ServerUnderTest;
  readonly web: AgentUnderTest;
  readonly other: AgentUnderTest;
  stop(): Promise<void>;
}

/** Creates a world-readable temp dir (setpriv'd workloads must reach the agents' sockets). */
export function makeE2eDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  fs.chmodSync(dir, 0o755);
  return dir;
}

/** Starts the server with the attestor configured, then both agents; each agent is healthy once attested. */
export async function startCloudCluster(dir: string, setup: CloudAttestorSetup): Promise<CloudCluster> {
  const server = await ServerUnderTest.start({
    dir: path.join(dir, 'server'),
    extraPlugins: pluginBlock('NodeAttestor', setup.name, setup.server),
  });
  const started: AgentUnderTest[] = [];
  const stop = async (): Promise<void> => {
    for (const agent of started) await agent.stop();
    await server.stop();
  };
  try {
    const trustBundlePath = await server.writeBundle();
    for (const [label, data] of [
      ['web', setup.webAgent],
      ['other', setup.otherAgent],
    ] as const) {
      started.push(
        await AgentUnderTest.start({
          dir: path.join(dir, `agent-${label}`),
          serverPort: server.port,
          trustBundlePath,
          syncInterval: '1s',
          nodeAttestor: pluginBlock('NodeAttestor', setup.name, data),
        }),
      );
    }
  } catch (err) {
    await stop();
    throw err;
  }
  return { dir, server, web: started[0], other: started[1], stop };
}

/** SPIFFE IDs of the agents the server has attested (`agent list -output json`). */
export async function attestedAgentIds(server: ServerUnderTest): Promise<string[]> {
  const out = await server.cliOk(['agent', 'list', '-output', 'json']);
  const parsed = JSON.parse(out) as { agents?: { id?: { trust_domain?: string; path?: string } }[] };
  return (parsed.agents ?? []).map((a) => `spiffe://${a.id?.trust_domain ?? ''}${a.id?.path ?? ''}`).sort();
}

/**
 * Registers the node alias `nodeId` (selected by `nodeSelector`), a workload under it for {@link WORKLOAD_UID},
 * and a control workload parented directly to the other agent's ID for {@link OTHER_WORKLOAD_UID}.
 */
export async function registerCloudEntries(
  server: ServerUnderTest,
  ids: { nodeId: string; nodeSelector: string; workloadId: string; otherAgentId: string; controlId: string },
): Promise<void> {
  await server.createEntry(['-node', '-spiffeID', ids.nodeId, '-selector', ids.nodeSelector]);
  await server.createEntry([
    '-parentID',
    ids.nodeId,
    '-spiffeID',
    ids.workloadId,
    '-selector',
    `unix:uid:${WORKLOAD_UID}`,
  ]);
  await server.createEntry([
    '-parentID',
    ids.otherAgentId,
    '-spiffeID',
    ids.controlId,
    '-selector',
    `unix:uid:${OTHER_WORKLOAD_UID}`,
  ]);
}

/** Outcome of `lanyard-agent api fetch x509` run as a uid. */
export interface FetchOutcome {
  readonly code: number | null;
  readonly spiffeId?: string;
  readonly stderr: string;
}

/** Runs `api fetch x509` on `agent` as `uid` and parses the printed SPIFFE ID. */
export async function fetchX509As(agent: AgentUnderTest, uid: number): Promise<FetchOutcome> {
  const res = await agent.cli(['api', 'fetch', 'x509'], { uid });
  return { code: res.code, spiffeId: /SPIFFE ID:\s+(\S+)/.exec(res.stdout)?.[1], stderr: res.stderr };
}

/** Waits until `uid` on `agent` is served an X509-SVID and returns its SPIFFE ID. */
export async function waitForSvid(agent: AgentUnderTest, uid: number, timeoutMs = 30_000): Promise<string> {
  return waitFor(
    `an X509-SVID for uid ${uid}`,
    async () => {
      const outcome = await fetchX509As(agent, uid);
      if (outcome.code !== 0) throw new Error(outcome.stderr.trim());
      return outcome.spiffeId;
    },
    timeoutMs,
  );
}
