/** The helper's identity from the server's `managed_workloads` listener (one stateless client per command). */
import { readFileSync } from 'node:fs';
import { InvalidArgumentError } from '@lanyard/base';
import { ManagedWorkloadClient, SpiffeId, type ManagedWorkloadClientOptions } from '@lanyard/spiffe';
import { proofProviderFor, type ProofSettings } from '../managed/proof-provider';
import type { HelperIdentity } from './helper-identity';

/** Settings of {@link managedIdentity} (the `lanyard-helper managed` flags). */
export interface ManagedSettings extends ProofSettings {
  /** `https://host:port` of the listener. */
  readonly serverUrl: string;
  /** `aws_iam`, `gcp_sa` or `azure_mi`. */
  readonly proof: string;
  /** PEM roots for the listener's serving certificate (default: the system's). */
  readonly caFile?: string;
  /** Ask for this identity only (default: the first entry the proof matches). */
  readonly spiffeId?: string;
  /** Deadline of each request (default 30 s). */
  readonly timeoutMs?: number;
}

/** The client the settings describe. @throws InvalidArgumentError / ManagedWorkloadError naming the setting. */
export function managedClient(settings: ManagedSettings): ManagedWorkloadClient {
  if (!settings.serverUrl) throw new InvalidArgumentError('serverURL is required');
  let ca: string | undefined;
  if (settings.caFile !== undefined) {
    try {
      ca = readFileSync(settings.caFile, 'utf8');
    } catch (err) {
      throw new InvalidArgumentError(`caFile "${settings.caFile}" cannot be read: ${(err as Error).message}`);
    }
  }
  const options: ManagedWorkloadClientOptions = {
    serverUrl: settings.serverUrl,
    proof: proofProviderFor(settings.proof, settings),
    tls: ca === undefined ? undefined : { ca },
    timeoutMs: settings.timeoutMs,
  };
  return new ManagedWorkloadClient(options);
}

function spiffeIdOf(value: string | undefined): SpiffeId | undefined {
  if (value === undefined) return undefined;
  try {
    return SpiffeId.parse(value);
  } catch (err) {
    throw new InvalidArgumentError(`spiffeID "${value}": ${(err as Error).message}`);
  }
}

/** A {@link HelperIdentity} over a managed-workloads client. */
export function managedIdentity(settings: ManagedSettings): HelperIdentity {
  const client = managedClient(settings);
  const spiffeId = spiffeIdOf(settings.spiffeId);
  return {
    cacheKey: `managed:${client.serverUrl.href}:${settings.proof}:${settings.spiffeId ?? ''}`,
    async fetchJwtSvid(audience, extraAudiences = []) {
      const [svid] = await client.fetchJwtSvids([audience, ...extraAudiences], { spiffeId });
      return svid;
    },
    async fetchX509Svid() {
      const { svids } = await client.fetchX509Svids({ spiffeId });
      return svids[0];
    },
  };
}
