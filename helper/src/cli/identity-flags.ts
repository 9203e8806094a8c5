/**
 * The flags that say where a cloud-credential command gets its SVIDs. The same commands are registered twice:
 * under `aws`/`gcp` with `-agentAddress` (the Workload API) and under `managed aws`/`managed gcp` with the
 * managed-workloads flags (`-serverURL`, `-proof`, …), so the two sets never mix.
 */
import type { Command } from 'commander';
import { workloadApiIdentity, type HelperIdentity } from '../identity/helper-identity';
import { managedIdentity, type ManagedSettings } from '../identity/managed';

/** Every identity flag, as commander parses them. */
export interface IdentityFlags {
  agentAddress?: string;
  serverURL?: string;
  proof?: string;
  serverID?: string;
  proofAudience?: string;
  proofEndpoint?: string;
  identityClientID?: string;
  caFile?: string;
  spiffeID?: string;
}

/** One way of getting the identity: its flags, the identity they describe, and those flags as arguments again. */
export interface IdentityFlagSet {
  /** Words before the command group: `[]` or `['managed']`. */
  readonly prefix: readonly string[];
  /** Adds the flags to `command`. */
  add(command: Command): Command;
  /** The identity the parsed flags describe. */
  identity(flags: IdentityFlags, env: NodeJS.ProcessEnv): HelperIdentity;
  /** The flags again, for a command line the helper writes (the GCP executable source). */
  args(flags: IdentityFlags): string[];
}

/** `-agentAddress`: the Workload API. */
export const WORKLOAD_API_FLAGS: IdentityFlagSet = {
  prefix: [],
  add: (command) =>
    command.option('--agentAddress <addr>', 'Workload API address (default: SPIFFE_ENDPOINT_SOCKET)'),
  identity: (flags) => workloadApiIdentity({ address: flags.agentAddress }),
  args: (flags) => (flags.agentAddress ? ['-agentAddress', flags.agentAddress] : []),
};

/** The managed flags in the order they are written back, with their setting names. */
const MANAGED_FLAG_NAMES = [
  'serverURL',
  'proof',
  'serverID',
  'proofAudience',
  'proofEndpoint',
  'identityClientID',
  'caFile',
  'spiffeID',
] as const;

/** The managed settings the parsed flags describe (environment defaults included). */
export function managedSettings(flags: IdentityFlags, env: NodeJS.ProcessEnv): ManagedSettings {
  return {
    serverUrl: flags.serverURL ?? '',
    proof: flags.proof ?? '',
    serverId: flags.serverID,
    audience: flags.proofAudience,
    endpoint: flags.proofEndpoint,
    clientId: flags.identityClientID,
    caFile: flags.caFile,
    spiffeId: flags.spiffeID,
    env,
  };
}

/** Adds the managed-workloads flags to `command`. */
export function addManagedFlags(command: Command): Command {
  return command
    .option('--serverURL <url>', "https://host:port of the server's managed_workloads listener (required)")
    .option('--proof <type>', 'Proof of the runtime identity: aws_iam, gcp_sa or azure_mi (required)')
    .option('--serverID <id>', "aws_iam: the server's server_id, signed as x-lanyard-server-id")
    .option('--proofAudience <aud>', 'gcp_sa: the ID token audience; azure_mi: the application ID URI')
    .option(
      '--proofEndpoint <url>',
      'STS URL (aws_iam), metadata server (gcp_sa) or identity endpoint (azure_mi) (default: the runtime env)',
    )
    .option('--identityClientID <id>', 'azure_mi: client ID of a user-assigned managed identity')
    .option('--caFile <file>', "PEM roots for the listener's certificate (default: the system's)")
    .option('--spiffeID <id>', 'Ask for this SPIFFE ID only (default: the first matching entry)');
}

/** The managed-workloads flags. */
export const MANAGED_FLAGS: IdentityFlagSet = {
  prefix: ['managed'],
  add: addManagedFlags,
  identity: (flags, env) => managedIdentity(managedSettings(flags, env)),
  args: (flags) =>
    MANAGED_FLAG_NAMES.flatMap((name) =>
      flags[name] === undefined ? [] : [`-${name}`, String(flags[name])],
    ),
};
