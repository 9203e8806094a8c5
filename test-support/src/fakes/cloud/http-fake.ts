import http from 'node:http';
import { LoopbackFake, type FakeResponse, type RecordedRequest } from '../loopback-fake';

export type { FakeResponse, RecordedRequest } from '../loopback-fake';

/** A route handler: gets the parsed request, returns the response. */
export type FakeHandler = (req: RecordedRequest, url: URL) => FakeResponse | Promise<FakeResponse>;

/**
 * Base of every loopback cloud fake: an `http.Server` on 127.0.0.1:0 that records requests and lets tests
 * inject behaviour (fail the next N requests with a status, delay responses, or stop answering at all).
 */
export class HttpFake extends LoopbackFake<RecordedRequest> {
  /** `127.0.0.1:<port>`, for configs that take a host instead of a URL. */
  get host(): string {
    return `127.0.0.1:${this.port}`;
  }

  protected get scheme(): string {
    return 'http';
  }

  protected createServer(
    listener: (req: http.IncomingMessage, res: http.ServerResponse) => void,
  ): http.Server {
    return http.createServer(listener);
  }

  protected record(common: RecordedRequest): RecordedRequest {
    return common;
  }
}

/** A JSON response. */
export function json(status: number, value: unknown, headers: Record<string, string> = {}): FakeResponse {
  return { status, body: JSON.stringify(value), headers: { 'content-type': 'application/json', ...headers } };
}
