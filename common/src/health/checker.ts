/**
 * Liveness/readiness registry: subsystems (CA, datastore, Workload API, ...) register a check, and the
 * HTTP listener asks all of them. A process is live (ready) when every subsystem is live (ready).
 */

/** What one subsystem reports. `details` shows up in the HTTP body under the subsystem's name. */
export interface SubsystemHealth {
  live: boolean;
  ready: boolean;
  details?: Record<string, unknown>;
}

/** A subsystem check. A throw or rejection counts as not live and not ready. */
export type HealthCheck = () => SubsystemHealth | Promise<SubsystemHealth>;

/** Combined state of every registered subsystem. */
export interface HealthState {
  live: boolean;
  ready: boolean;
  /** Per subsystem: its details, or `{ error }` when its check failed. */
  subsystems: Record<string, SubsystemHealth>;
}

/** Holds the checks of every subsystem. */
export class HealthChecker {
  private readonly checks = new Map<string, HealthCheck>();

  /** Adds (or replaces) the check of a subsystem. */
  register(name: string, check: HealthCheck): void {
    this.checks.set(name, check);
  }

  /** Removes a subsystem's check. */
  unregister(name: string): void {
    this.checks.delete(name);
  }

  /** Runs every check once and combines the results. With no subsystems the process is live and ready. */
  async state(): Promise<HealthState> {
    const subsystems: Record<string, SubsystemHealth> = {};
    await Promise.all(
      [...this.checks].map(async ([name, check]) => {
        try {
          subsystems[name] = await check();
        } catch (err) {
          subsystems[name] = { live: false, ready: false, details: { error: (err as Error).message } };
        }
      }),
    );
    const all = Object.values(subsystems);
    return { live: all.every((s) => s.live), ready: all.every((s) => s.ready), subsystems };
  }
}
