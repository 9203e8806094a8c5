/**
 * `lanyard-helper -config helper.conf`: writes the files, then either exits (`daemon_mode = false` or
 * `exit_when_ready`) or starts `cmd`, serves the health listener and keeps the files fresh until SIGINT/SIGTERM
 * or until the started program exits (the helper then exits with the program's status).
 */
import { HealthChecker, createLogger, startHealthListener, type CliIo } from '@lanyard/common';
import { webIdentityCredentials } from '../aws/credential-process';
import {
  MemoizedCredentials,
  startContainerEndpoint,
  type ContainerEndpoint,
} from '../aws/container-endpoint';
import type { AwsContainerConfig, HelperConfig } from './config';
import { HelperDaemon } from './helper-daemon';

type Logger = ReturnType<typeof createLogger>;

async function startAwsEndpoint(
  config: HelperConfig,
  aws: AwsContainerConfig,
  log: Logger,
): Promise<ContainerEndpoint> {
  const credentials = new MemoizedCredentials(() =>
    webIdentityCredentials({ workloadApi: { address: config.agentAddress }, ...aws }),
  );
  const onError = (err: Error): void => {
    log.error('AWS credential exchange failed', { error: err.message });
  };
  const endpoint = await startContainerEndpoint({
    credentials,
    tokenFile: aws.authorizationTokenFile,
    port: aws.bindPort,
    onError,
  });
  log.info('AWS container credentials endpoint ready', {
    AWS_CONTAINER_CREDENTIALS_FULL_URI: endpoint.url,
    AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE: aws.authorizationTokenFile,
  });
  credentials.get().catch(onError);
  return endpoint;
}

/** Options of {@link runDaemon}. */
export interface RunDaemonOptions {
  /** Command-line `-exitWhenReady`. */
  readonly exitWhenReady?: boolean;
}

/** Runs the daemon for `config`; resolves to the exit code. */
export async function runDaemon(
  config: HelperConfig,
  io: CliIo,
  options: RunDaemonOptions = {},
): Promise<number> {
  const log = createLogger({ stream: io.stderr });
  let resolveChildExit!: (code: number) => void;
  const childExit = new Promise<number>((resolve) => {
    resolveChildExit = resolve;
  });
  const daemon = new HelperDaemon(config, {
    events: {
      onWritten: (what) => log.info('Wrote identity files', { what }),
      onError: (what, err) => log.error('Identity update failed', { what, error: err.message }),
      onWarning: (message) => log.warn(message),
      onChildExit: (code, signal) => {
        log.info('Process exited', { code, signal });
        resolveChildExit(code ?? 1);
      },
    },
  });
  const stop = io.stopSignal();
  daemon.start();
  const first = await Promise.race([daemon.ready.then(() => 'ready' as const), stop]);
  if (first !== 'ready') {
    await daemon.stop();
    return 0;
  }
  if (!config.daemonMode || config.exitWhenReady || options.exitWhenReady) {
    await daemon.stop();
    return 0;
  }
  daemon.processes.start();
  const checker = new HealthChecker();
  checker.register('lanyard-helper', () => ({ live: true, ready: daemon.isReady }));
  const health = config.health
    ? await startHealthListener({ listenerEnabled: true, bindAddress: '0.0.0.0', ...config.health }, checker)
    : undefined;
  const endpoint = config.awsContainer && (await startAwsEndpoint(config, config.awsContainer, log));
  const code = await Promise.race([stop.then(() => 0), childExit]);
  await endpoint?.close();
  await health?.close();
  await daemon.stop();
  return code;
}
