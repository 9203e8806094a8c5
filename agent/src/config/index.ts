/** The agent configuration file (SPIRE `agent.conf` shape, HCL or JSON) and its CLI overrides. */
export * from './types';
export type { AgentFlagOverrides } from './flags';
export {
  agentFileSchema,
  agentSectionSchema,
  AGENT_PLUGIN_TYPES,
  WORKLOAD_KEY_TYPES,
  type AgentFile,
} from './schema';
export { DEFAULT_SYNC_INTERVAL_MS } from './settings';
export {
  DEFAULT_REBOOTSTRAP_DELAY_MS,
  REBOOTSTRAP_MODES,
  type RebootstrapMode,
  type RebootstrapSettings,
} from './rebootstrap';
export {
  loadAgentConfig,
  parseAgentConfig,
  agentConfigFromParsed,
  DEFAULT_AGENT_CONFIG_PATH,
  EXPERIMENTAL_WARNING,
  SDS_SAME_NAMES_WARNING,
  type LoadAgentConfigOptions,
} from './load';
