import * as fs from 'node:fs';
import * as path from 'node:path';
import { freePort } from './ports';
import { recordSecret } from './run-logs';
import { SERVER_BIN } from './paths';
import {
  CLI_TIMEOUT_MS,
  runCommand,
  startProcess,
  waitForHealthy,
  type CommandResult,
  type ManagedProcess,
} from './process';

/** Options for a server started by the e2e suites. */
export interface ServerOptions {
  /** Working directory for config, data and sockets (created if missing). */
  readonly dir: string;
  readonly trustDomain?: string;
  /** `sqlite3` (file in `dir`) or a PostgreSQL connection string. */
  readonly postgresUrl?: string;
  readonly defaultX509SvidTtl?: string;
  /** `log_level`; `DEBUG` by default. */
  readonly logLevel?: string;
  /** Extra HCL appended inside `plugins { }` (e.g. cloud node attestors). */
  readonly extraPlugins?: string;
  /** Extra lines appended inside `server { }`. */
  readonly extraServer?: string;
  /** Fixed port (restarts keep it); a free one is picked otherwise. */
  readonly port?: number;
  /** Extra environment of the server process (e.g. `NODE_EXTRA_CA_CERTS` for `https_web` endpoints). */
  readonly env?: Readonly<Record<string, string>>;
}

/** A real `lanyard-server` process with its own temp directory. */
export class ServerUnderTest {
  private process?: ManagedProcess;

  private constructor(
    readonly options: ServerOptions,
    readonly port: number,
    readonly socketPath: string,
    readonly configPath: string,
  ) {}

  /** Writes a SPIRE-style HCL config and starts the server; resolves when `healthcheck` passes. */
  static async start(options: ServerOptions): Promise<ServerUnderTest> {
    fs.mkdirSync(options.dir, { recursive: true });
    const port = options.port ?? (await freePort());
    const socketPath = path.join(options.dir, 'api.sock');
    const configPath = path.join(options.dir, 'server.conf');
    fs.writeFileSync(configPath, serverConfig(options, port, socketPath));
    const server = new ServerUnderTest(options, port, socketPath, configPath);
    await server.run();
    return server;
  }

  get trustDomain(): string {
    return this.options.trustDomain ?? 'example.org';
  }

  /** Process ID of the running (or last) process. */
  get pid(): number | undefined {
    return this.process?.pid;
  }

  /** True while the process runs. */
  get running(): boolean {
    return this.process?.running ?? false;
  }

  /** Output of the running (or last) process. */
  get log(): string {
    return this.process?.log ?? '';
  }

  /** (Re)starts the process with the same config and data. */
  async run(): Promise<void> {
    const child = this.spawn();
    await waitForHealthy('server', child, () => this.cli(['healthcheck']));
  }

  /** Runs `lanyard-server <args> -socketPath <sock>`. */
  cli(args: string[], input?: string): Promise<CommandResult> {
    return runCommand(process.execPath, [SERVER_BIN, ...args, '-socketPath', this.socketPath], {
      input,
      timeoutMs: CLI_TIMEOUT_MS,
    });
  }

  /** Runs a CLI command and fails with its output unless it exits 0. */
  async cliOk(args: string[], input?: string): Promise<string> {
    const result = await this.cli(args, input);
    if (result.code !== 0) {
      throw new Error(
        `lanyard-server ${args.join(' ')} exited ${result.code}\n${result.stdout}\n${result.stderr}`,
      );
    }
    return result.stdout;
  }

  /** Generates a join token and returns its value. */
  async joinToken(spiffeId?: string): Promise<string> {
    const out = await this.cliOk([
      'token',
      'generate',
      '-ttl',
      '600',
      ...(spiffeId ? ['-spiffeID', spiffeId] : []),
    ]);
    const match = /Token: (\S+)/.exec(out);
    if (!match) throw new Error(`no token in output: ${out}`);
    recordSecret(match[1]);
    return match[1];
  }

  /** `entry create` with the given flags; returns the new entry ID. */
  async createEntry(args: string[]): Promise<string> {
    const out = await this.cliOk(['entry', 'create', ...args]);
    const match = /^Entry ID\s*:\s*(\S+)/m.exec(out);
    if (!match) throw new Error(`no entry ID in output: ${out}`);
    return match[1];
  }

  /** Writes the trust bundle (PEM) to a file and returns its path. */
  async writeBundle(file = path.join(this.options.dir, 'bundle.pem')): Promise<string> {
    fs.writeFileSync(file, await this.cliOk(['bundle', 'show', '-format', 'pem']));
    return file;
  }

  /** Stops the process gracefully. */
  async stop(): Promise<void> {
    await this.process?.stop();
  }

  /** `kill -9`: the server gets no chance to finish writes or close the database. */
  async kill(): Promise<void> {
    await this.process?.kill();
  }

  /** Starts the process without waiting for it to become healthy (a test that kills it early). */
  spawn(): ManagedProcess {
    this.process = startProcess(
      'lanyard-server',
      process.execPath,
      [SERVER_BIN, 'run', '-config', this.configPath],
      { env: { ...process.env, ...this.options.env } },
    );
    return this.process;
  }
}

function serverConfig(options: ServerOptions, port: number, socketPath: string): string {
  const dataDir = path.join(options.dir, 'data');
  const dataStore = options.postgresUrl
    ? `database_type = "postgres"\n        connection_string = "${options.postgresUrl}"`
    : `database_type = "sqlite3"\n        connection_string = "${path.join(dataDir, 'datastore.sqlite3')}"`;
  return `server {
    bind_address = "127.0.0.1"
    bind_port = ${port}
    socket_path = "${socketPath}"
    trust_domain = "${options.trustDomain ?? 'example.org'}"
    data_dir = "${dataDir}"
    log_level = "${options.logLevel ?? 'DEBUG'}"
    default_x509_svid_ttl = "${options.defaultX509SvidTtl ?? '1h'}"
${options.extraServer ?? ''}
}

plugins {
    DataStore "sql" {
        plugin_data {
        ${dataStore}
        }
    }
    KeyManager "disk" {
        plugin_data {
            keys_path = "${path.join(dataDir, 'keys.json')}"
        }
    }
    NodeAttestor "join_token" {
        plugin_data {}
    }
${options.extraPlugins ?? ''}
}
`;
}
