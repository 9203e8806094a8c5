/** Assembles a running provider from its config: key source, HTTP listener and health listener. */
import {
  HealthChecker,
  createLogger,
  startHealthListener,
  type HealthListener,
  type Logger,
} from '@lanyard/common';
import type { OidcConfig } from './config/types';
import { createHandler } from './http/handler';
import { startListener, type Listener } from './http/listeners';
import { openKeySource, type OpenKeySource } from './keys/sources';

/** SPIRE's health threshold: 5 poll intervals, at least 3 minutes. */
export function healthThresholdMs(pollIntervalMs: number): number {
  return Math.max(5 * pollIntervalMs, 3 * 60_000);
}

/** A running provider. */
export interface RunningProvider {
  readonly listener: Listener;
  readonly health?: HealthListener;
  readonly keys: OpenKeySource;
  close(): Promise<void>;
}

function registerHealth(checker: HealthChecker, keys: OpenKeySource, startedAt: number): void {
  const threshold = healthThresholdMs(keys.source.pollIntervalMs);
  checker.register('keys', () => {
    const since = keys.source.sinceLastSuccessMs();
    const fresh = since !== undefined && since <= threshold;
    return {
      ready: fresh,
      live: fresh || Date.now() - startedAt <= threshold,
      details: { keys_fetched: since !== undefined },
    };
  });
}

/** Starts the provider; `logger` defaults to one built from the config's `log_*` keys. */
export async function startProvider(config: OidcConfig, logger?: Logger): Promise<RunningProvider> {
  const log =
    logger ?? createLogger({ level: config.logLevel, format: config.logFormat, file: config.logPath });
  const keys = openKeySource(config.source, log);
  keys.source.start();
  const handler = createHandler({
    config,
    keySet: () => keys.source.keySet(),
    logRequest: config.logRequests
      ? (req, status) => log.debug('Request', { method: req.method, path: req.url, status })
      : undefined,
  });
  let listener: Listener | undefined;
  let health: HealthListener | undefined;
  try {
    listener = await startListener(config.serving, handler, log);
    if (config.health) {
      const checker = new HealthChecker();
      registerHealth(checker, keys, Date.now());
      health = await startHealthListener(
        { listenerEnabled: true, bindAddress: 'localhost', ...config.health },
        checker,
      );
    }
  } catch (err) {
    keys.close();
    await listener?.close();
    throw err;
  }
  log.info('OIDC discovery provider serving', {
    address:
      typeof listener.address === 'string'
        ? listener.address
        : `${listener.address.address}:${listener.address.port}`,
  });
  const started = listener;
  return {
    listener: started,
    health,
    keys,
    close: async () => {
      keys.close();
      await Promise.all([started.close(), health?.close()]);
    },
  };
}
