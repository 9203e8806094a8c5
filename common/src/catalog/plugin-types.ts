/**
 * The plugin types SPIRE's configs name, and how many of each the server and the agent accept
 * (SPIRE's `pkg/server/catalog` and `pkg/agent/catalog`).
 */
import { AT_LEAST_ONE, EXACTLY_ONE, MAYBE_ONE, ZERO_OR_MORE, type Cardinality } from './cardinality';

/** Plugin types of the server's `plugins {}` block. */
export const SERVER_PLUGIN_CARDINALITY = {
  DataStore: EXACTLY_ONE,
  KeyManager: EXACTLY_ONE,
  NodeAttestor: ZERO_OR_MORE,
  UpstreamAuthority: MAYBE_ONE,
  Notifier: ZERO_OR_MORE,
  BundlePublisher: ZERO_OR_MORE,
  CredentialComposer: ZERO_OR_MORE,
} as const satisfies Record<string, Cardinality>;

/** Plugin types of the agent's `plugins {}` block. */
export const AGENT_PLUGIN_CARDINALITY = {
  KeyManager: EXACTLY_ONE,
  NodeAttestor: EXACTLY_ONE,
  WorkloadAttestor: AT_LEAST_ONE,
  SVIDStore: ZERO_OR_MORE,
} as const satisfies Record<string, Cardinality>;

/** A server plugin type, e.g. `UpstreamAuthority`. */
export type ServerPluginType = keyof typeof SERVER_PLUGIN_CARDINALITY;
/** An agent plugin type, e.g. `WorkloadAttestor`. */
export type AgentPluginType = keyof typeof AGENT_PLUGIN_CARDINALITY;
/** Any plugin type either process knows. */
export type PluginType = ServerPluginType | AgentPluginType;
