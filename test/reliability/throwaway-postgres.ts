/**
 * A PostgreSQL cluster of our own for the restart suite, so the machine's shared server (127.0.0.1:5432, used by
 * other tests) is never restarted. `initdb` and `pg_ctl` run as `nobody` through `setpriv` (PostgreSQL refuses to
 * run as root) in a temp dir, listening on a free loopback port with trust authentication.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { freePort, runCommand } from '@lanyard/e2e';
import { runAsPrefix } from '@lanyard/test-support';
import { makeDir } from './harness';

const NOBODY = 65534;

/** Finds a PostgreSQL server binary on PATH or in the Debian layout; fails naming what is missing. */
export function postgresBinary(name: 'initdb' | 'pg_ctl'): string {
  for (const dir of [...(process.env.PATH ?? '').split(':'), '/usr/lib/postgresql/15/bin']) {
    const candidate = path.join(dir, name);
    if (dir !== '' && fs.existsSync(candidate)) return candidate;
  }
  throw new Error(
    `${name} not found on PATH or in /usr/lib/postgresql/15/bin: the PostgreSQL restart suite needs the PostgreSQL ` +
      'server binaries (Debian package postgresql-15) to run a throw-away cluster',
  );
}

/** A running throw-away cluster. */
export class ThrowawayPostgres {
  private constructor(
    readonly dir: string,
    readonly port: number,
    private readonly settings: readonly string[],
  ) {}

  /** `postgres://postgres@127.0.0.1:<port>/postgres`. */
  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }

  private get data(): string {
    return path.join(this.dir, 'data');
  }

  /**
   * initdb + start. `prepare` runs after initdb, before the start, with the data directory (owned by `nobody`;
   * e.g. to put TLS files there) and returns extra server settings (`name=value`, passed as `-c`).
   */
  static async create(prepare: (dataDir: string) => string[] = () => []): Promise<ThrowawayPostgres> {
    const initdb = postgresBinary('initdb');
    const dir = makeDir('lanyard-rel-pg-');
    for (const sub of ['data', 'run']) {
      fs.mkdirSync(path.join(dir, sub), { mode: 0o700 });
      fs.chmodSync(path.join(dir, sub), 0o700);
      fs.chownSync(path.join(dir, sub), NOBODY, NOBODY);
    }
    const port = await freePort();
    const data = path.join(dir, 'data');
    await new ThrowawayPostgres(dir, port, []).asNobody(initdb, [
      '-D',
      data,
      '-U',
      'postgres',
      '--auth=trust',
      '-E',
      'UTF8',
      '--no-sync',
    ]);
    const pg = new ThrowawayPostgres(dir, port, prepare(data));
    await pg.start();
    return pg;
  }

  /** Starts the server and waits until it accepts connections. */
  async start(): Promise<void> {
    const extra = this.settings.map((setting) => ` -c ${setting}`).join('');
    const options = `-p ${this.port} -k ${path.join(this.dir, 'run')} -c listen_addresses=127.0.0.1 -c fsync=on${extra}`;
    await this.pgCtl([
      'start',
      '-w',
      '-t',
      '120',
      '-o',
      options,
      '-l',
      path.join(this.dir, 'run', 'server.log'),
    ]);
  }

  /** Stops at once, like a crash (`-m immediate`: no checkpoint, clients cut off). */
  async crash(): Promise<void> {
    await this.pgCtl(['stop', '-m', 'immediate', '-w']);
  }

  /** Stops cleanly and removes the cluster. */
  async destroy(): Promise<void> {
    await this.pgCtl(['stop', '-m', 'fast', '-w']).catch(() => undefined);
    fs.rmSync(this.dir, { recursive: true, force: true });
  }

  /** The server log (for failure messages). */
  log(): string {
    const file = path.join(this.dir, 'run', 'server.log');
    return fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
  }

  private pgCtl(args: string[]): Promise<void> {
    return this.asNobody(postgresBinary('pg_ctl'), ['-D', this.data, ...args]);
  }

  private async asNobody(command: string, args: string[]): Promise<void> {
    const [setpriv, ...prefix] = runAsPrefix({ uid: NOBODY, gid: NOBODY });
    const res = await runCommand(setpriv, [...prefix, command, ...args], {
      cwd: this.dir,
      timeoutMs: 180_000,
    });
    if (res.code !== 0)
      throw new Error(`${path.basename(command)} ${args[0]} exited ${res.code}: ${res.stderr}${res.stdout}`);
  }
}
