import type { Command } from 'commander';
import {
  HealthChecker,
  createLogger,
  createMetrics,
  logLevelControl,
  startHealthListener,
  startPrometheusListener,
  type HealthListener,
  type Logger,
  type Metrics,
  type PrometheusListener,
} from '@lanyard/common';
import type { ServerConfig } from '../../config';
import { LanyardServer } from '../../server';
import { serverOptionsFromConfig } from '../../server-options';
import { configOption, expandEnvOption, serverOverrideOptions } from '../flags';
import type { CliCommand, CommandContext } from '../registry';
import { loadConfigWithFlags, type ConfigFlags } from '../server-config';
import { TrustDomain } from '@lanyard/spiffe/id';

/** Lanyard's version as reported in `spire_server_started`. */
const VERSION = '0.1.0';

/** SPIRE tightens the umask to at least 0027 on start. */
function tightenUmask(): void {
  const old = process.umask();
  process.umask(old | 0o027);
}

function metricsFor(config: ServerConfig, logger: Logger): Metrics {
  return createMetrics(config.telemetry, {
    trustDomainId: TrustDomain.parse(config.server.trustDomain).idString(),
    onSinkError: (err) => logger.debug('Failed to send metrics to a statsd sink', { error: err.message }),
  });
}

/** Starts the optional listeners (Prometheus, HTTP health) next to the server. */
async function startListeners(config: ServerConfig, server: LanyardServer, metrics: Metrics) {
  const listeners: Array<HealthListener | PrometheusListener> = [];
  if (config.telemetry.prometheus)
    listeners.push(await startPrometheusListener(config.telemetry.prometheus, metrics));
  if (config.healthChecks.listenerEnabled) {
    const checker = new HealthChecker();
    checker.register('server', () => ({ live: server.serving(), ready: server.serving() }));
    checker.register('catalog.datastore', async () => {
      await server.datastore.countBundles();
      return { live: true, ready: true };
    });
    listeners.push(await startHealthListener(config.healthChecks, checker));
  }
  return listeners;
}

/** `run`: loads the config, starts the server, serves until SIGINT/SIGTERM, then stops gracefully. */
async function run(flags: ConfigFlags, ctx: CommandContext): Promise<number> {
  let server: LanyardServer | undefined;
  try {
    const { config, warnings } = loadConfigWithFlags(flags, ctx.io.env);
    const s = config.server;
    const logger = createLogger({
      level: s.logLevel,
      format: s.logFormat,
      file: s.logFile,
      sourceLocation: s.logSourceLocation,
    });
    for (const warning of warnings) logger.warn(warning);
    tightenUmask();
    const metrics = metricsFor(config, logger);
    const options = await serverOptionsFromConfig(config, logger, metrics);
    server = await LanyardServer.start({ ...options, logLevel: logLevelControl(logger) });
    const listeners = await startListeners(config, server, metrics);
    metrics.setGauge(['started'], 1, { version: VERSION });
    const signal = await ctx.io.stopSignal();
    logger.info('Stopping server', { signal });
    await Promise.all(listeners.map((l) => l.close()));
    await server.stop();
    await metrics.close();
    logger.info('Server stopped gracefully');
    return 0;
  } catch (err) {
    await server?.stop().catch(() => undefined);
    ctx.io.stderr.write(`Error: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}

/** Registration of `run`. */
export const runCommand: CliCommand = {
  name: 'run',
  register(program: Command, ctx: CommandContext): void {
    const cmd = program.command('run').description('Runs the server');
    cmd.addOption(configOption()).addOption(expandEnvOption());
    for (const option of serverOverrideOptions()) cmd.addOption(option);
    cmd.action(async (flags: ConfigFlags) => ctx.exit(await run(flags, ctx)));
  },
};
