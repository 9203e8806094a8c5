import type { PluginLogger, Selector, WorkloadAttestor } from '@lanyard/attestor-core';
import { formatSelector, silentLogger } from '@lanyard/attestor-core';
import { UnavailableError } from '@lanyard/base';
import type { WorkloadConnection } from './connections';
import { readProcessStartTime } from './process-start';
import { AGENT_METRIC_KEYS, type AgentTelemetry } from '../telemetry';

/** Options of {@link WorkloadAttestation}. */
export interface WorkloadAttestationOptions {
  /** Upper bound for all attestors together; default 5000 ms. */
  readonly timeoutMs?: number;
  readonly procRoot?: string;
  readonly logger?: PluginLogger;
  /** Records `spire_agent_workload_api_workload_attestation` and `…_workload_attestor{attestor}`; none when absent. */
  readonly telemetry?: AgentTelemetry;
}

/**
 * Runs every configured workload attestor on a caller in parallel, merges their selectors, and then checks
 * that the pid still names the process that connected (a reused pid has another start time), as SPIRE does.
 */
export class WorkloadAttestation {
  private readonly timeoutMs: number;
  private readonly procRoot: string;
  private readonly logger: PluginLogger;
  private readonly telemetry: AgentTelemetry | undefined;

  constructor(
    private readonly attestors: readonly WorkloadAttestor[],
    options: WorkloadAttestationOptions = {},
  ) {
    this.timeoutMs = options.timeoutMs ?? 5000;
    this.procRoot = options.procRoot ?? '/proc';
    this.logger = options.logger ?? silentLogger;
    this.telemetry = options.telemetry;
  }

  private measure<T>(
    key: readonly string[],
    call: () => Promise<T>,
    labels?: Record<string, string>,
  ): Promise<T> {
    return this.telemetry ? this.telemetry.measure(key, call, labels) : call();
  }

  /**
   * Selectors of the caller, de-duplicated, in attestor order.
   * @throws UnavailableError when an attestor fails or times out, or the caller process is gone or replaced.
   */
  attest(connection: WorkloadConnection): Promise<Selector[]> {
    return this.measure(AGENT_METRIC_KEYS.workloadAttestation, () => this.attestNow(connection));
  }

  private async attestNow(connection: WorkloadConnection): Promise<Selector[]> {
    const { pid, uid, gid } = connection.cred;
    let results: Selector[][];
    try {
      results = await withTimeout(
        Promise.all(
          this.attestors.map((a) =>
            this.measure(AGENT_METRIC_KEYS.workloadAttestor, () => a.attest({ pid, uid, gid }), {
              attestor: a.name,
            }),
          ),
        ),
        this.timeoutMs,
      );
    } catch (err) {
      this.logger.error('Workload attestation failed', {
        caller_pid: pid,
        caller_uid: uid,
        error: String(err),
      });
      throw new UnavailableError('workload attestation failed', 'ERR_WORKLOAD_ATTESTATION', { cause: err });
    }
    this.checkSameProcess(connection);
    return mergeSelectors(results);
  }

  /**
   * @throws UnavailableError when the caller's start time differs from the one seen at connect.
   */
  checkSameProcess(connection: WorkloadConnection): void {
    const now = readProcessStartTime(connection.cred.pid, this.procRoot);
    if (connection.startTime === undefined || now === undefined || now !== connection.startTime) {
      this.logger.warn('Caller process changed during attestation', { caller_pid: connection.cred.pid });
      throw new UnavailableError(
        'could not verify existence of the original caller: process exited or pid was reused',
        'ERR_CALLER_GONE',
      );
    }
  }
}

function mergeSelectors(results: readonly Selector[][]): Selector[] {
  const seen = new Set<string>();
  const merged: Selector[] = [];
  for (const selectors of results) {
    for (const selector of selectors) {
      const key = formatSelector(selector);
      if (!seen.has(key)) {
        seen.add(key);
        merged.push(selector);
      }
    }
  }
  return merged;
}

function withTimeout<T>(promise: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`workload attestors timed out after ${timeoutMs} ms`)),
      timeoutMs,
    );
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
