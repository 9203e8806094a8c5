/** Forwards a checked AWS proof to the configured STS endpoint and reads who signed it. */
import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import { InvalidArgumentError, UnauthenticatedError, UnavailableError } from '@lanyard/base';
import type { AwsSignedRequest } from './aws-signed-request';
import { type StsCallerIdentity, parseCallerIdentity, parseStsError } from './sts-response';

const TIMEOUT_MS = 10_000;
const MAX_RESPONSE_BYTES = 64 * 1024;
/** Headers never forwarded as given: the connection's own. */
const HOP_BY_HOP = new Set([
  'connection',
  'content-length',
  'transfer-encoding',
  'keep-alive',
  'upgrade',
  'te',
]);

/** Options of {@link StsClient}. */
export interface StsClientOptions {
  /** The configured endpoint; proofs were checked to target it. */
  readonly endpoint: URL;
  /** PEM CA bundle file trusted instead of the system roots. */
  readonly caFile?: string;
}

/** Sends pre-signed `GetCallerIdentity` requests to STS over HTTPS. */
export class StsClient {
  private readonly ca?: Buffer;

  /** @throws InvalidArgumentError when `caFile` cannot be read. */
  constructor(private readonly options: StsClientOptions) {
    if (options.caFile === undefined) return;
    try {
      this.ca = readFileSync(options.caFile);
    } catch (err) {
      throw new InvalidArgumentError(
        `managed_workloads.aws_iam.sts_ca_file ${options.caFile}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
      );
    }
  }

  /**
   * Forwards the request as signed.
   * @throws UnauthenticatedError when STS refuses the signature or credentials (its code and message are kept);
   *   UnavailableError when STS cannot be reached or answers something else.
   */
  async callerIdentity(signed: AwsSignedRequest): Promise<StsCallerIdentity> {
    const { status, body } = await this.send(signed);
    if (status === 200) {
      const identity = parseCallerIdentity(body);
      if (identity) return identity;
      throw new UnavailableError('sts answered an unreadable GetCallerIdentity response', 'ERR_MANAGED_STS');
    }
    const error = parseStsError(body);
    if (status >= 400 && status < 500 && error.code !== '' && error.code !== 'Throttling') {
      throw new UnauthenticatedError(
        `aws_iam proof refused by sts: ${error.code}: ${error.message}`,
        'ERR_MANAGED_AWS_PROOF',
      );
    }
    throw new UnavailableError(
      `sts answered HTTP ${status}${error.code ? ` ${error.code}` : ''}`,
      'ERR_MANAGED_STS',
    );
  }

  private send(signed: AwsSignedRequest): Promise<{ status: number; body: string }> {
    const headers = Object.fromEntries(
      Object.entries(signed.headers).filter(([name]) => !HOP_BY_HOP.has(name)),
    );
    const endpoint = this.options.endpoint;
    return new Promise((resolve, reject) => {
      const req = request(endpoint, { method: 'POST', headers, ca: this.ca, timeout: TIMEOUT_MS }, (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_RESPONSE_BYTES) req.destroy(new Error('response too large'));
          else chunks.push(chunk);
        });
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', reject);
      });
      req.on('timeout', () => req.destroy(new Error(`no answer within ${TIMEOUT_MS / 1000}s`)));
      req.on('error', (err) =>
        reject(
          new UnavailableError(`cannot reach sts at ${endpoint.origin}: ${err.message}`, 'ERR_MANAGED_STS'),
        ),
      );
      req.end(signed.body);
    });
  }
}
