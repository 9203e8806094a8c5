import type { PluginLogger } from './logger';
import type { Selector } from './selector';

/** The caller of the Workload API as the agent saw it on the Unix socket (SO_PEERCRED). */
export interface WorkloadCaller {
  readonly pid: number;
  readonly uid: number;
  readonly gid: number;
}

/**
 * Agent-side workload attestor: turns a caller's pid into selectors (`unix:uid:1000`, `k8s:ns:prod`).
 * A process the attestor does not apply to (not in a pod, not in a container) yields `[]`, not an error.
 */
export interface WorkloadAttestor {
  /** Plugin name as SPIRE spells it: `unix`, `k8s`, `docker`. */
  readonly name: string;
  attest(caller: WorkloadCaller): Promise<Selector[]>;
}

/** Everything a workload attestor is given when it is built. */
export interface WorkloadAttestorDeps {
  readonly logger: PluginLogger;
  /** Root of the proc filesystem (default `/proc`); tests point it at captured fixtures. */
  readonly procRoot: string;
}
