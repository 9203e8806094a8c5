import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** Uid, gid and groups a test process runs as through `setpriv` (needs root, as in CI). */
export interface RunAsOptions {
  /** Real and effective uid of the process. */
  readonly uid: number;
  /** Real and effective gid; defaults to `uid`. */
  readonly gid?: number;
  /** Supplementary groups; none when omitted. */
  readonly groups?: readonly number[];
}

/** The `setpriv …` argv prefix that runs what follows it as `options.uid`. */
export function runAsPrefix(options: RunAsOptions): string[] {
  const gid = options.gid ?? options.uid;
  const groups = options.groups?.length ? [`--groups=${options.groups.join(',')}`] : ['--clear-groups'];
  return ['setpriv', `--reuid=${options.uid}`, `--regid=${gid}`, ...groups];
}

let staged: string | undefined;

/**
 * A path to `file` (inside this checkout) that a process of another uid can read. When the checkout sits under
 * a directory other users cannot traverse (a 0700 home directory, `mktemp -d`), the checkout is copied once per
 * process into a temporary directory made readable by all, removed when the process exits; otherwise `file`
 * itself is returned.
 */
export function pathForOtherUsers(file: string): string {
  const root = checkoutRoot(file);
  if (traversableByOthers(root)) return file;
  staged ??= stageCheckout(root);
  return path.join(staged, path.relative(root, file));
}

function checkoutRoot(file: string): string {
  for (let dir = path.dirname(path.resolve(file)); dir !== path.dirname(dir); dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'package-lock.json'))) return dir;
  }
  throw new Error(`no checkout (package-lock.json) above ${file}`);
}

/** True when every directory from `/` down to `dir` lets others search it. */
function traversableByOthers(dir: string): boolean {
  for (let d = dir; ; d = path.dirname(d)) {
    if ((fs.statSync(d).mode & 0o001) === 0) return false;
    if (d === path.dirname(d)) return true;
  }
}

function stageCheckout(root: string): string {
  const parent = fs.mkdtempSync(path.join(os.tmpdir(), 'lanyard-stage-'));
  const target = path.join(parent, path.basename(root));
  fs.mkdirSync(target);
  const sources = fs
    .readdirSync(root)
    .filter((name) => name !== '.git')
    .map((name) => path.join(root, name));
  execFileSync('cp', ['-a', ...sources, target]);
  // A copy, not hard links: making the files readable must not change the modes in the checkout itself.
  execFileSync('chmod', ['-R', 'a+rX', parent]);
  process.once('exit', () => fs.rmSync(parent, { recursive: true, force: true }));
  return target;
}
