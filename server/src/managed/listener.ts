/**
 * The managed-workloads HTTPS listener (its own port, off unless configured): Web-PKI serving certificate from
 * disk (re-read on change), bounded bodies (64 KiB → 413), header/request timeouts and a connection cap.
 */
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { PluginLogger } from '@lanyard/attestor-core';
import { InvalidArgumentError, StatusCode } from '@lanyard/base';
import { ServingCertFile } from '../federation/serving-cert';
import { closeNow, listenOn } from '../util/http-server';
import type { ManagedWorkloadsConfig } from './config';
import { type ErrorAnswer, answerFor, errorAnswer } from './http-errors';
import type { ManagedRequests } from './requests';

/** Largest accepted request body. */
export const MAX_BODY_BYTES = 64 * 1024;
const HEADERS_TIMEOUT_MS = 10_000;
const REQUEST_TIMEOUT_MS = 30_000;
const KEEP_ALIVE_TIMEOUT_MS = 5_000;

class BodyTooLarge extends Error {}

/** Serves {@link ManagedRequests} over HTTPS until {@link ManagedWorkloadsListener.stop}. */
export class ManagedWorkloadsListener {
  private server: Server | undefined;
  private certFile: ServingCertFile | undefined;

  constructor(
    private readonly config: ManagedWorkloadsConfig,
    private readonly requests: ManagedRequests,
    private readonly logger: PluginLogger,
  ) {}

  /** The TCP port listened on (useful when configured as 0). */
  get port(): number {
    return (this.server?.address() as AddressInfo | null)?.port ?? 0;
  }

  /** Loads the serving certificate and starts listening. @throws when the certificate or address is unusable. */
  async start(): Promise<void> {
    const { config } = this;
    this.certFile = new ServingCertFile({
      certFilePath: config.servingCertFile,
      keyFilePath: config.servingKeyFile,
      fileSyncIntervalMs: config.fileSyncIntervalMs,
      logger: this.logger,
      what: 'managed workloads',
    });
    const { material } = await this.certFile.load();
    const server = createServer({
      ...material,
      headersTimeout: HEADERS_TIMEOUT_MS,
      requestTimeout: REQUEST_TIMEOUT_MS,
      keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
      maxHeaderSize: 16 * 1024,
    });
    server.maxConnections = config.maxConnections;
    server.on('request', (req: IncomingMessage, res: ServerResponse) => void this.handle(req, res));
    server.on('tlsClientError', () => undefined);
    this.certFile.watch((next) => server.setSecureContext(next));
    try {
      await listenOn(server, config.port, config.address);
    } catch (err) {
      this.certFile.stop();
      throw new Error(
        `managed workloads: cannot listen on ${config.address}:${config.port}: ${(err as Error).message}`,
      );
    }
    this.server = server;
    this.logger.info('Serving managed workloads', { address: `${config.address}:${this.port}` });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const path = new URL(req.url ?? '/', 'https://managed.invalid').pathname;
      if (path === '/v1/managed/bundle') {
        if (req.method !== 'GET') return send(res, methodNotAllowed('GET'));
        return send(res, { httpStatus: 200, body: await this.requests.bundle(), headers: {} });
      }
      const route = ROUTES[path];
      if (route === undefined)
        return send(res, errorAnswer(StatusCode.NOT_FOUND, `no such endpoint ${path}`));
      if (req.method !== 'POST') return send(res, methodNotAllowed('POST'));
      const body = await readJson(req);
      send(res, { httpStatus: 200, body: await route(this.requests, body), headers: {} });
    } catch (err) {
      if (err instanceof BodyTooLarge) {
        send(
          res,
          errorAnswer(
            StatusCode.RESOURCE_EXHAUSTED,
            `request body is larger than ${MAX_BODY_BYTES} bytes`,
            413,
          ),
          true,
        );
        return;
      }
      const answer = answerFor(err);
      if (answer.httpStatus >= 500)
        this.logger.error('Managed workload request failed', { error: (err as Error).message });
      send(res, answer);
    }
  }

  /** Stops listening and closes open connections. */
  async stop(): Promise<void> {
    this.certFile?.stop();
    const server = this.server;
    this.server = undefined;
    if (server !== undefined) await closeNow(server);
  }
}

const ROUTES: Record<string, (requests: ManagedRequests, body: unknown) => Promise<unknown>> = {
  '/v1/managed/jwt-svid': (requests, body) => requests.jwtSvid(body),
  '/v1/managed/x509-svid': (requests, body) => requests.x509Svid(body),
};

function methodNotAllowed(allow: string): ErrorAnswer {
  const answer = errorAnswer(StatusCode.INVALID_ARGUMENT, `method not allowed; use ${allow}`, 405);
  answer.headers.allow = allow;
  return answer;
}

/** Reads and parses a JSON body of at most {@link MAX_BODY_BYTES}. */
async function readJson(req: IncomingMessage): Promise<unknown> {
  if (Number(req.headers['content-length'] ?? 0) > MAX_BODY_BYTES) throw new BodyTooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new BodyTooLarge();
    chunks.push(chunk as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
  } catch {
    throw new InvalidArgumentError('request body is not valid JSON', 'ERR_MANAGED_REQUEST');
  }
}

/** An answer: status, JSON-ready body (or a ready JSON text) and extra headers. */
type Answer = ErrorAnswer | { httpStatus: number; body: unknown; headers: Record<string, string> };

function send(res: ServerResponse, answer: Answer, close = false): void {
  if (res.headersSent || res.destroyed) return;
  const text = typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body);
  res.writeHead(answer.httpStatus, {
    'content-type': 'application/json',
    'cache-control': 'no-store',
    ...(close ? { connection: 'close' } : {}),
    ...answer.headers,
  });
  res.end(text);
}
