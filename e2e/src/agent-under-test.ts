import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathForOtherUsers, runAsPrefix } from '@lanyard/test-support';
import { AGENT_BIN } from './paths';
import {
  CLI_TIMEOUT_MS,
  runCommand,
  startProcess,
  waitForHealthy,
  type CommandResult,
  type ManagedProcess,
} from './process';

/** Options for an agent started by the e2e suites. */
export interface AgentOptions {
  readonly dir: string;
  readonly serverPort: number;
  readonly trustBundlePath: string;
  readonly trustDomain?: string;
  readonly joinToken?: string;
  /** HCL for the node attestor plugin block; join_token when unset. */
  readonly nodeAttestor?: string;
  /** Extra HCL inside `plugins { }` (e.g. a k8s workload attestor). */
  readonly extraPlugins?: string;
  /** Extra lines inside `agent { }`. */
  readonly extraAgent?: string;
  /** `sync_interval` (default: the agent's own, 5s). */
  readonly syncInterval?: string;
  /** Node options placed before the agent script (e.g. `--require <preload>`). */
  readonly nodeArgs?: readonly string[];
  /** Extra environment of the agent process. */
  readonly env?: Readonly<Record<string, string>>;
}

/** A real `lanyard-agent` process with its own temp directory and Workload API socket. */
export class AgentUnderTest {
  private process?: ManagedProcess;

  private constructor(
    readonly options: AgentOptions,
    readonly socketPath: string,
    readonly configPath: string,
  ) {}

  /** Writes a SPIRE-style HCL config and starts the agent; resolves once the Workload API socket exists. */
  static async start(options: AgentOptions): Promise<AgentUnderTest> {
    fs.mkdirSync(options.dir, { recursive: true });
    // Workloads run under other uids must traverse this dir to reach the socket. Set the mode explicitly:
    // an in-process `run` earlier in the same Jest worker may have tightened the process umask to 0027.
    fs.chmodSync(options.dir, 0o755);
    const socketPath = path.join(options.dir, 'public', 'api.sock');
    const configPath = path.join(options.dir, 'agent.conf');
    fs.writeFileSync(configPath, agentConfig(options, socketPath));
    const agent = new AgentUnderTest(options, socketPath, configPath);
    await agent.run();
    return agent;
  }

  /** Process ID of the running (or last) process. */
  get pid(): number | undefined {
    return this.process?.pid;
  }

  /** True while the process runs. */
  get running(): boolean {
    return this.process?.running ?? false;
  }

  get log(): string {
    return this.process?.log ?? '';
  }

  /** `SPIFFE_ENDPOINT_SOCKET` value for this agent. */
  get endpoint(): string {
    return `unix://${this.socketPath}`;
  }

  /** (Re)starts the agent with the same config (and the join token, if any, on the command line). */
  async run(extraArgs: string[] = []): Promise<void> {
    const args = [
      ...(this.options.nodeArgs ?? []),
      AGENT_BIN,
      'run',
      '-config',
      this.configPath,
      ...extraArgs,
    ];
    if (this.options.joinToken) args.push('-joinToken', this.options.joinToken);
    this.process = startProcess('lanyard-agent', process.execPath, args, {
      env: { ...process.env, ...this.options.env },
    });
    await waitForHealthy('agent', this.process, () => this.cli(['healthcheck']));
  }

  /** Runs `lanyard-agent <args> -socketPath <public socket>`, optionally as another uid/gid (setpriv). */
  cli(args: string[], options: { uid?: number; gid?: number } = {}): Promise<CommandResult> {
    const [command, full] = asUser([AGENT_BIN, ...args, '-socketPath', this.socketPath], options);
    return runCommand(command, full, { timeoutMs: CLI_TIMEOUT_MS });
  }

  /** Starts a long-running `lanyard-agent api watch` (optionally as another uid); stop it when done. */
  watch(options: { uid?: number; gid?: number } = {}): ManagedProcess {
    const [command, full] = asUser([AGENT_BIN, 'api', 'watch', '-socketPath', this.socketPath], options);
    return startProcess('lanyard-agent api watch', command, full);
  }

  /** Sends SIGTERM and waits for the exit; resolves with the exit code. */
  async stop(): Promise<number | null | undefined> {
    return this.process?.stop();
  }

  /** `kill -9` of the agent process. */
  async kill(): Promise<void> {
    await this.process?.kill();
  }
}

function asUser(args: string[], options: { uid?: number; gid?: number }): [string, string[]] {
  if (options.uid === undefined) return [process.execPath, args];
  const [setpriv, ...prefix] = runAsPrefix({ uid: options.uid, gid: options.gid });
  const [bin, ...rest] = args;
  return [setpriv, [...prefix, process.execPath, pathForOtherUsers(bin), ...rest]];
}

function agentConfig(options: AgentOptions, socketPath: string): string {
  return `agent {
    data_dir = "${path.join(options.dir, 'data')}"
    log_level = "DEBUG"
    server_address = "127.0.0.1"
    server_port = ${options.serverPort}
    socket_path = "${socketPath}"
    trust_bundle_path = "${options.trustBundlePath}"
    trust_domain = "${options.trustDomain ?? 'example.org'}"
${options.syncInterval ? `    sync_interval = "${options.syncInterval}"` : ''}
${options.extraAgent ?? ''}
}

plugins {
${options.nodeAttestor ?? '    NodeAttestor "join_token" {\n        plugin_data {}\n    }'}
    KeyManager "disk" {
        plugin_data {}
    }
    WorkloadAttestor "unix" {
        plugin_data {}
    }
${options.extraPlugins ?? ''}
}
`;
}
