/** How the proof providers report a runtime that cannot prove its identity. */
import { ManagedWorkloadError } from '@lanyard/spiffe/errors';

/** `ERR_MANAGED_PROOF` (UNAVAILABLE) naming the proof type and the problem; never carries a secret. */
export function proofError(type: string, problem: string, cause?: unknown): ManagedWorkloadError {
  return new ManagedWorkloadError('ERR_MANAGED_PROOF', `${type} proof: ${problem}`, { cause });
}

/** `ERR_MANAGED_PARAMS` (INVALID_ARGUMENT) for a bad provider option. */
export function proofOptionError(type: string, problem: string): ManagedWorkloadError {
  return new ManagedWorkloadError('ERR_MANAGED_PARAMS', `${type} proof: ${problem}`);
}

/** Runs a GET to a local identity endpoint and returns the body of a 200, or throws naming the endpoint. */
export async function getIdentityDocument(
  type: string,
  url: URL,
  headers: Record<string, string>,
  signal: AbortSignal | undefined,
  timeoutMs: number,
): Promise<string> {
  const where = `${url.origin}${url.pathname}`;
  let response: Response;
  try {
    const timeout = AbortSignal.timeout(timeoutMs);
    response = await fetch(url, {
      headers,
      signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      redirect: 'error',
    });
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    const reason = cause?.code ?? cause?.message ?? (err as Error).message;
    throw proofError(type, `${where} is unreachable: ${reason}`, err);
  }
  const body = await response.text();
  if (!response.ok) {
    throw proofError(type, `${where} answered ${response.status}: ${body.slice(0, 300).trim()}`);
  }
  return body;
}
