/**
 * Batches of CSRs: on the signing worker pool when the server has one and the batch is big enough to pay for
 * the thread hop, otherwise on the main thread, yielding to the event loop between small runs of items so
 * health checks, syncs and admin calls are still served while thousands of CSRs are signed. The workers start
 * with the first batch that needs them, so a server that signs no batch (or only single CSRs) never pays for
 * their start-up time and memory.
 */
import type { PluginLogger } from '@lanyard/attestor-core';
import { issueLeafFromCsr, type CsrIssueSettings } from './csr-issue';
import { CsrSigningPool, signingWorkerScript, type LeafOutcome } from './sign-pool/csr-signing-pool';
import type { CsrX509SvidParams } from './types';
import type { X509Authority } from './x509-authority';

/** Items signed on the main thread between two yields to the event loop. */
const IN_THREAD_RUN = 32;
/**
 * Smallest batch sent to the worker pool. One CSR costs about as much to verify and sign on the main thread
 * as the hop to a worker and back (`bench/ca-issue.js` measures both), so single CSRs stay in-thread.
 */
export const POOL_MIN_BATCH = 2;

const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Signs batches of CSRs on `workers` threads (0 or 1: on the calling thread); see the file comment. */
export class CsrBatchSigner {
  private pool?: CsrSigningPool;
  private closed = false;

  /** @throws Error at once when `workers` > 1 and the worker script is missing (an unbuilt package). */
  constructor(
    private readonly workers: number,
    private readonly logger: PluginLogger,
  ) {
    if (workers > 1) signingWorkerScript();
  }

  /** Signs `items` with `ca` at `nowMs`; outcomes in item order. Pool errors: see {@link CsrSigningPool.sign}. */
  async sign(
    ca: X509Authority,
    items: readonly CsrX509SvidParams[],
    settings: CsrIssueSettings,
    nowMs: number,
  ): Promise<LeafOutcome[]> {
    const pool = items.length >= POOL_MIN_BATCH ? this.startedPool() : undefined;
    if (pool) return pool.sign(ca, items, settings, nowMs);
    const outcomes: LeafOutcome[] = [];
    for (const item of items) {
      if (outcomes.length > 0 && outcomes.length % IN_THREAD_RUN === 0) await yieldToEventLoop();
      try {
        outcomes.push({ leaf: issueLeafFromCsr(ca, item, settings, nowMs) });
      } catch (err) {
        outcomes.push({ error: err as Error });
      }
    }
    return outcomes;
  }

  /** Stops the workers, if started; later batches are signed on the calling thread. */
  async close(): Promise<void> {
    this.closed = true;
    const pool = this.pool;
    this.pool = undefined;
    await pool?.close();
  }

  private startedPool(): CsrSigningPool | undefined {
    if (this.workers <= 1 || this.closed) return undefined;
    this.pool ??= new CsrSigningPool({ threads: this.workers, logger: this.logger });
    return this.pool;
  }
}
