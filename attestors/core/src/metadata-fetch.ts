import { UnavailableError } from '@lanyard/base';

/** Bounds for {@link fetchMetadata}. */
export interface MetadataFetchOptions {
  /** What is being fetched, for error messages: `aws_iid: instance identity document`. */
  readonly what: string;
  /** Per-attempt timeout in milliseconds. */
  readonly timeoutMs: number;
  /** Total attempts (≥ 1) for network errors, timeouts and 5xx answers. */
  readonly attempts: number;
  /** Pause between attempts in milliseconds; default 200. */
  readonly backoffMs?: number;
}

/** A metadata-service answer that was not retried: any status below 500. */
export interface MetadataResponse {
  readonly status: number;
  readonly body: string;
  readonly headers: Headers;
}

const MAX_BODY = 1024 * 1024;

/**
 * Requests a cloud metadata endpoint (AWS IMDS, GCE metadata server, Azure IMDS) with a per-attempt timeout and
 * bounded retries. Status codes below 500 are returned to the caller, which knows what they mean.
 * @throws UnavailableError after the last attempt, naming what was fetched, the URL origin and the last failure.
 */
export async function fetchMetadata(
  url: string,
  init: RequestInit,
  options: MetadataFetchOptions,
): Promise<MetadataResponse> {
  let lastFailure = 'no attempt made';
  const attempts = Math.max(1, options.attempts);
  for (let attempt = 1; attempt <= attempts; attempt++) {
    try {
      const res = await fetch(url, { ...init, signal: AbortSignal.timeout(options.timeoutMs) });
      const body = await res.text();
      if (body.length > MAX_BODY) throw new Error(`response larger than ${MAX_BODY} bytes`);
      if (res.status < 500) return { status: res.status, body, headers: res.headers };
      lastFailure = `HTTP ${res.status}`;
    } catch (error) {
      lastFailure = describeFailure(error, options.timeoutMs);
    }
    if (attempt < attempts) await new Promise((resolve) => setTimeout(resolve, options.backoffMs ?? 200));
  }
  throw new UnavailableError(
    `${options.what}: metadata service at ${new URL(url).origin} failed after ${attempts} attempts: ${lastFailure}`,
    'ERR_METADATA_UNAVAILABLE',
  );
}

function describeFailure(error: unknown, timeoutMs: number): string {
  // Structural checks: fetch's DOMException and undici's errors may come from another realm.
  const { name, message, cause } = (error ?? {}) as {
    name?: unknown;
    message?: unknown;
    cause?: { message?: unknown };
  };
  if (name === 'TimeoutError' || name === 'AbortError') return `no answer within ${timeoutMs}ms`;
  const detail = typeof cause?.message === 'string' ? `: ${cause.message}` : '';
  return `${typeof message === 'string' ? message : String(error)}${detail}`;
}
