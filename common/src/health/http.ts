/**
 * The HTTP health listener of SPIRE's `health_checks {}` block: GET `live_path` / `ready_path` answer
 * 200 when healthy and 500 otherwise, with a JSON body keyed by subsystem name.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { listenHttp } from '../http-listener';
import { field, type Infer } from '../config/schema';
import type { HealthChecker, HealthState } from './checker';

/** Schema of `health_checks {}` (section name `health check`, as SPIRE reports unknown keys). */
export const healthChecksSchema = field.object('health check', {
  listener_enabled: field.bool(),
  bind_address: field.string(),
  bind_port: field.int({ min: 0, max: 65535 }),
  live_path: field.string(),
  ready_path: field.string(),
});

/** Decoded `health_checks {}` block. */
export type HealthChecksBlock = Infer<typeof healthChecksSchema>;

/** Effective health listener settings. */
export interface HealthChecksConfig {
  listenerEnabled: boolean;
  bindAddress: string;
  bindPort: number;
  livePath: string;
  readyPath: string;
}

/** Applies SPIRE's defaults: disabled, `localhost`, port 80, `/live`, `/ready`. */
export function healthChecksConfig(block: HealthChecksBlock = {}): HealthChecksConfig {
  return {
    listenerEnabled: block.listener_enabled ?? false,
    bindAddress: block.bind_address ?? 'localhost',
    bindPort: block.bind_port ?? 80,
    livePath: block.live_path ?? '/live',
    readyPath: block.ready_path ?? '/ready',
  };
}

/** A running health listener. */
export interface HealthListener {
  address: AddressInfo;
  close(): Promise<void>;
}

function body(state: HealthState, which: 'live' | 'ready'): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(state.subsystems).map(([name, s]) => [name, { [which]: s[which], ...(s.details ?? {}) }]),
  );
}

/** Starts the listener (port 0 picks a free port; see `address`). */
export async function startHealthListener(
  config: HealthChecksConfig,
  checker: HealthChecker,
): Promise<HealthListener> {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const which =
      url.pathname === config.livePath ? 'live' : url.pathname === config.readyPath ? 'ready' : undefined;
    if (!which || (req.method !== 'GET' && req.method !== 'HEAD')) {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found\n');
      return;
    }
    checker.state().then(
      (state) => {
        res.writeHead(state[which] ? 200 : 500, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify(body(state, which)));
      },
      (err: Error) =>
        res
          .writeHead(500, { 'Content-Type': 'application/json' })
          .end(JSON.stringify({ error: err.message })),
    );
  });
  return listenHttp(server, config.bindPort, config.bindAddress);
}
