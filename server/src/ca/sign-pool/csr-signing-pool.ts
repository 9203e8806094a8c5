/**
 * `CsrSigningPool`: CSR verification and X.509-SVID signing on a fixed set of worker threads (piscina), so a
 * server uses every core for the CPU work of `BatchNewX509SVID` while its main thread serves gRPC. A batch is cut
 * into as many chunks as the workers have free task slots (at most two per thread, at least one), so a lone
 * batch runs on every thread while under load each batch travels whole, paying the thread hop once. Chunks wait
 * in a bounded queue, and a batch that would overflow it is refused at once with ResourceExhausted. A worker
 * that dies fails only the items it was signing (Unavailable, retryable) and is replaced.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Worker } from 'node:worker_threads';
import { Piscina } from 'piscina';
import { ResourceExhaustedError, UnavailableError } from '@lanyard/base';
import { chunks } from '../../util/chunks';
import type { PluginLogger } from '@lanyard/attestor-core';
import type { CsrIssueSettings, IssuedLeaf } from '../csr-issue';
import type { CsrX509SvidParams } from '../types';
import type { X509Authority } from '../x509-authority';
import {
  decodeError,
  packBytes,
  viewOf,
  type AuthorityForWorker,
  type SignOutcome,
  type SignResult,
  type SignTask,
} from './messages';

/** The outcome of one CSR: its leaf or the error that refused it. */
export type LeafOutcome = { leaf: IssuedLeaf } | { error: Error };

/** Options of a {@link CsrSigningPool}. */
export interface CsrSigningPoolOptions {
  /** Worker threads (≥ 1). */
  threads: number;
  /** Chunks that may wait for a free thread; a batch that would exceed it is refused. Default 1,024. */
  maxQueuedChunks?: number;
  /** Where worker failures are reported. */
  logger: PluginLogger;
}

/** Default bound of the chunk queue: with two chunks per thread, hundreds of batches. */
export const DEFAULT_MAX_QUEUED_CHUNKS = 1024;
/** Items below which a chunk is not split further: a worker hop must carry enough work to pay for itself. */
const MIN_CHUNK_ITEMS = 8;
/**
 * Chunks handed to a worker at once: it starts the next one as soon as it finishes the first, without waiting
 * for the main thread to be scheduled (under load that wait costs more than the chunk).
 */
const TASKS_PER_WORKER = 2;
const WORKER_FILE = 'sign-worker.js';

/**
 * The worker's script. Built code finds it next to this file; under ts-jest, which runs the TypeScript sources,
 * the built copy in the package's `dist/` is used (workers cannot load `.ts`).
 */
export function signingWorkerScript(): string {
  const sibling = join(__dirname, WORKER_FILE);
  if (existsSync(sibling)) return sibling;
  const built = resolve(__dirname, '..', '..', '..', 'dist', 'ca', 'sign-pool', WORKER_FILE);
  if (existsSync(built)) return built;
  throw new Error(
    `signing worker script not found at ${sibling} or ${built}: build the server package first`,
  );
}

/** A pool of signing worker threads; see the file comment. */
export class CsrSigningPool {
  private readonly pool: Piscina;
  private readonly maxQueuedChunks: number;
  /** Chunks handed to piscina and not finished (running or queued). */
  private inFlight = 0;
  private closed = false;

  constructor(private readonly options: CsrSigningPoolOptions) {
    const { threads } = options;
    if (!Number.isInteger(threads) || threads < 1)
      throw new RangeError(`svid_signing_workers must be an integer ≥ 1 for a pool, got ${threads}`);
    this.maxQueuedChunks = options.maxQueuedChunks ?? DEFAULT_MAX_QUEUED_CHUNKS;
    this.pool = new Piscina({
      filename: signingWorkerScript(),
      name: 'signCsrChunk',
      minThreads: threads,
      maxThreads: threads,
      maxQueue: this.maxQueuedChunks,
      idleTimeout: Infinity,
      concurrentTasksPerWorker: TASKS_PER_WORKER,
    });
    this.pool.on('error', (err: Error) =>
      options.logger.error('Signing worker failed', { error: err.message }),
    );
  }

  /** Number of worker threads. */
  get threads(): number {
    return this.options.threads;
  }

  /** The live worker threads (diagnostics; a replaced worker drops out). */
  get workers(): readonly Worker[] {
    return this.pool.threads;
  }

  /** Chunks waiting for a thread. */
  get queuedChunks(): number {
    return this.pool.queueSize;
  }

  /**
   * Verifies and signs `items` with `authority` at `nowMs`; outcomes in item order.
   * @throws ResourceExhaustedError when the chunk queue cannot take the batch; UnavailableError once closed.
   */
  async sign(
    authority: X509Authority,
    items: readonly CsrX509SvidParams[],
    settings: CsrIssueSettings,
    nowMs: number,
  ): Promise<LeafOutcome[]> {
    if (this.closed)
      throw new UnavailableError('svid signing workers are shut down', 'ERR_SIGNING_POOL_CLOSED');
    const parts = this.split(items);
    if (this.pool.queueSize + parts.length > this.maxQueuedChunks) {
      throw new ResourceExhaustedError(
        `server is busy signing SVIDs: ${this.pool.queueSize} chunks wait for the ${this.threads} signing ` +
          `workers (limit ${this.maxQueuedChunks}); retry later`,
        'ERR_SIGNING_POOL_FULL',
      );
    }
    const forWorker = workerAuthority(authority);
    const done = parts.map((chunk) => this.runChunk(taskFor(forWorker, settings, nowMs, chunk)));
    return (await Promise.all(done)).flat();
  }

  /** Stops the workers; chunks still queued or running fail with Unavailable. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.destroy();
  }

  private split(items: readonly CsrX509SvidParams[]): CsrX509SvidParams[][] {
    const freeSlots = this.threads * TASKS_PER_WORKER - this.inFlight;
    const count = Math.max(1, Math.min(freeSlots, Math.floor(items.length / MIN_CHUNK_ITEMS)));
    return chunks(items, Math.ceil(items.length / count));
  }

  private async runChunk(task: SignTask): Promise<LeafOutcome[]> {
    this.inFlight++;
    try {
      // packBytes made `csrs` over an ArrayBuffer of its own, never a SharedArrayBuffer
      const transferList = [task.csrs.buffer as ArrayBuffer];
      const result = (await this.pool.run(task, { transferList })) as SignResult;
      return result.outcomes.map((outcome) => fromWorker(outcome, result.bytes));
    } catch (err) {
      const error = this.chunkFailure(err as Error);
      return task.items.map(() => ({ error }));
    } finally {
      this.inFlight--;
    }
  }

  /** The error every item of a chunk the pool could not sign gets. */
  private chunkFailure(err: Error): Error {
    if (err.message === 'Task queue is at limit')
      return new ResourceExhaustedError(
        `server is busy signing SVIDs: the signing workers' queue is full (limit ${this.maxQueuedChunks}); retry later`,
        'ERR_SIGNING_POOL_FULL',
      );
    if (this.closed)
      return new UnavailableError('svid signing workers are shut down', 'ERR_SIGNING_POOL_CLOSED');
    this.options.logger.error('Signing worker failed', { error: err.message });
    return new UnavailableError(
      `svid signing worker failed (${err.message}); retry`,
      'ERR_SIGNING_WORKER_FAILED',
    );
  }
}

function workerAuthority(ca: X509Authority): AuthorityForWorker {
  return {
    authorityId: ca.authorityId,
    key: ca.signer.key,
    subjectDer: ca.subjectDer,
    subjectKeyId: ca.subjectKeyId,
    notAfter: ca.notAfter,
  };
}

/** The task of one chunk: its CSRs packed into one buffer that is transferred to the worker. */
function taskFor(
  authority: AuthorityForWorker,
  settings: CsrIssueSettings,
  nowMs: number,
  chunk: readonly CsrX509SvidParams[],
): SignTask {
  const { bytes, ends } = packBytes(chunk.map((item) => item.csrDer));
  const items = chunk.map(({ csrDer: _bytes, ...rest }) => rest);
  return { authority, settings, nowMs, csrs: bytes, csrEnds: ends, items };
}

/** An item's outcome, its certificate and serial as views into the chunk's returned bytes. */
function fromWorker(outcome: SignOutcome, bytes: Uint8Array): LeafOutcome {
  if (!outcome.ok) return { error: decodeError(outcome.error) };
  const { spiffeId, notAfter, certStart, certEnd, serialEnd } = outcome;
  const certDer = viewOf(bytes, certStart, certEnd);
  return { leaf: { certDer, spiffeId, notAfter, serial: viewOf(bytes, certEnd, serialEnd) } };
}
