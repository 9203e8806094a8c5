/**
 * Batches of CSRs: on the signing worker pool when the server has one and the batch is big enough to pay for
 * the thread hop, otherwise on the main thread, yielding to the event loop between small runs of items so
 * health checks, syncs and admin calls are still served while thousands of CSRs are signed.
 */
import { issueLeafFromCsr, type CsrIssueSettings } from './csr-issue';
import type { CsrSigningPool, LeafOutcome } from './sign-pool/csr-signing-pool';
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

/** Signs a batch of CSRs with `ca` at `nowMs`, on `pool` when given and worth it; outcomes in item order. */
export async function signCsrBatch(
  ca: X509Authority,
  items: readonly CsrX509SvidParams[],
  settings: CsrIssueSettings,
  nowMs: number,
  pool: CsrSigningPool | undefined,
): Promise<LeafOutcome[]> {
  if (pool && items.length >= POOL_MIN_BATCH) return pool.sign(ca, items, settings, nowMs);
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
