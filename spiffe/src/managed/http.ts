/** One JSON request to the server's `managed_workloads` listener over HTTPS (node:https, bounded answer). */
import * as https from 'node:https';
import type { ConnectionOptions } from 'node:tls';
import { StatusCode, codeName, errorForStatus, type LanyardError } from '@lanyard/base';
import { ManagedWorkloadError } from '../errors/managed-workload-error';

/** Largest answer read from the server (an X.509 response with a long chain and bundle is a few KiB). */
const MAX_RESPONSE_BYTES = 1024 * 1024;

/** Where and how to reach the server. */
export interface ManagedEndpoint {
  /** `https://host:port` of the server's `managed_workloads` listener. */
  readonly url: URL;
  /** TLS options of each connection: `ca`, or `checkServerIdentity` from `spiffeTlsClientOptions` … */
  readonly tls?: ConnectionOptions;
  /** Deadline of one request in ms. */
  readonly timeoutMs: number;
}

/** The server's error document: `{"error": {"code": "PERMISSION_DENIED", "message": "..."}}`. */
interface ErrorDocument {
  readonly error?: { readonly code?: unknown; readonly message?: unknown };
}

/** Turns a refusal into the LanyardError subclass of its status, naming the request and the server's message. */
function refusal(what: string, httpStatus: number, text: string): LanyardError {
  let doc: ErrorDocument = {};
  try {
    doc = JSON.parse(text) as ErrorDocument;
  } catch {
    // not JSON (a proxy's page): the HTTP status decides
  }
  const name = typeof doc.error?.code === 'string' ? doc.error.code : '';
  const code = (StatusCode as Record<string, number>)[name] ?? statusOfHttp(httpStatus);
  const details = typeof doc.error?.message === 'string' ? doc.error.message : `http ${httpStatus}`;
  return errorForStatus(code, `${what}: rpc error: code = ${codeName(code)} desc = ${details}`);
}

function statusOfHttp(httpStatus: number): number {
  if (httpStatus === 400) return StatusCode.INVALID_ARGUMENT;
  if (httpStatus === 401) return StatusCode.UNAUTHENTICATED;
  if (httpStatus === 403) return StatusCode.PERMISSION_DENIED;
  if (httpStatus === 404) return StatusCode.UNIMPLEMENTED;
  if (httpStatus === 413 || httpStatus === 429) return StatusCode.RESOURCE_EXHAUSTED;
  if (httpStatus === 503) return StatusCode.UNAVAILABLE;
  return StatusCode.UNKNOWN;
}

/**
 * Sends `body` (JSON) with `method` to `path` and resolves to the parsed JSON answer of a 2xx response.
 * @throws ManagedWorkloadError `ERR_MANAGED_UNREACHABLE` (no answer), `ERR_MANAGED_RESPONSE` (not JSON), or the
 *   status class of a refusal (PermissionDeniedError for 403, UnauthenticatedError for 401 …).
 */
export function requestJson(
  endpoint: ManagedEndpoint,
  method: 'GET' | 'POST',
  path: string,
  body?: unknown,
  signal?: AbortSignal,
): Promise<unknown> {
  const what = `managed workloads ${method} ${path}`;
  const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
  return new Promise((resolve, reject) => {
    const req = https.request(new URL(path, endpoint.url), {
      ...endpoint.tls,
      method,
      signal,
      timeout: endpoint.timeoutMs,
      headers: {
        accept: 'application/json',
        ...(payload ? { 'content-type': 'application/json', 'content-length': payload.length } : {}),
      },
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${endpoint.timeoutMs} ms`)));
    req.on('error', (err) =>
      reject(new ManagedWorkloadError('ERR_MANAGED_UNREACHABLE', `${what}: ${err.message}`, { cause: err })),
    );
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_RESPONSE_BYTES) {
          req.destroy(new Error(`the answer is larger than ${MAX_RESPONSE_BYTES} bytes`));
          return;
        }
        chunks.push(chunk);
      });
      res.on('error', (err) => req.destroy(err));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        const status = res.statusCode ?? 0;
        if (status < 200 || status > 299) {
          reject(refusal(what, status, text));
          return;
        }
        try {
          resolve(JSON.parse(text));
        } catch {
          reject(new ManagedWorkloadError('ERR_MANAGED_RESPONSE', `${what}: the answer is not JSON`));
        }
      });
    });
    req.end(payload);
  });
}
