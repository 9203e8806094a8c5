/**
 * The helper's one-shot reads from the Workload API (one client per call; the CLI commands are short-lived).
 * The gRPC client is loaded on first use, so a `credential_process` call answered from the cache never pays
 * for loading it.
 */
import type { JwtSvid, WorkloadApiClient, X509Svid } from '@lanyard/spiffe';

async function newClient(target: WorkloadApiTarget): Promise<WorkloadApiClient> {
  const { WorkloadApiClient } = await import('@lanyard/spiffe');
  return new WorkloadApiClient({
    address: workloadApiAddress(target.address),
    callTimeoutMs: target.timeoutMs ?? DEFAULT_TIMEOUT_MS,
  });
}

/** Where the Workload API is: a `unix:///path` or `tcp://ip:port` address, or the `SPIFFE_ENDPOINT_SOCKET` default. */
export interface WorkloadApiTarget {
  readonly address?: string;
  /** Deadline of each call (default 30 s). */
  readonly timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 30_000;

/** Turns spiffe-helper's `agent_address` (a bare socket path) into a Workload API address. */
export function workloadApiAddress(agentAddress: string | undefined): string | undefined {
  if (!agentAddress) return undefined;
  return agentAddress.startsWith('/') ? `unix://${agentAddress}` : agentAddress;
}

/** Fetches one JWT-SVID of the workload's default identity for `audience`. */
export async function fetchJwtSvid(
  target: WorkloadApiTarget,
  audience: string,
  extraAudiences: readonly string[] = [],
): Promise<JwtSvid> {
  const client = await newClient(target);
  try {
    return await client.fetchJwtSvid({ audience, extraAudiences });
  } finally {
    client.close();
  }
}

/** Fetches the workload's default X.509-SVID. */
export async function fetchX509Svid(target: WorkloadApiTarget): Promise<X509Svid> {
  const client = await newClient(target);
  try {
    return await client.fetchX509Svid();
  } finally {
    client.close();
  }
}
