/**
 * Reads attestor folders the way the catalogs expect them: `package.json` `exports` (`./agent`, `./server`) and
 * `typesVersions` that match `src/agent.ts` / `src/server.ts`, and the plugins those entries export
 * (`agentPlugin` or `workloadPlugin` from `./agent`, `serverPlugin` from `./server`).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type {
  NodeAttestorAgentPlugin,
  NodeAttestorServerPlugin,
  WorkloadAttestorPlugin,
} from '@lanyard/attestor-core';

/** The repository root. */
export const ROOT = path.resolve(__dirname, '..');

/** Folders under `attestors/` that hold an attestor (every one but `core`), sorted. */
export function attestorFolderNames(): string[] {
  return fs
    .readdirSync(path.join(ROOT, 'attestors'), { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && entry.name !== 'core')
    .map((entry) => entry.name)
    .sort();
}

/** The plugins an attestor folder's entries export. */
export interface FolderPlugins {
  readonly agentNode?: NodeAttestorAgentPlugin;
  readonly agentWorkload?: WorkloadAttestorPlugin;
  readonly server?: NodeAttestorServerPlugin;
}

interface PackageJson {
  name?: string;
  exports?: Record<string, unknown>;
  typesVersions?: Record<string, Record<string, string[]>>;
}

/** Problems with a folder's `package.json` for the entries it has; empty when it is in order. */
export function packageProblems(dir: string): string[] {
  const folder = path.relative(ROOT, dir);
  const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as PackageJson;
  const problems: string[] = [];
  const expectedName = `@lanyard/attestor-${path.basename(dir)}`;
  if (pkg.name !== expectedName) problems.push(`${folder}/package.json: name must be "${expectedName}"`);
  for (const entry of ['agent', 'server']) {
    const hasSource = fs.existsSync(path.join(dir, 'src', `${entry}.ts`));
    const exported = pkg.exports?.[`./${entry}`];
    const want = { types: `./dist/${entry}.d.ts`, default: `./dist/${entry}.js` };
    if (hasSource && JSON.stringify(exported) !== JSON.stringify(want)) {
      problems.push(`${folder}/package.json: exports["./${entry}"] must be ${JSON.stringify(want)}`);
    }
    if (hasSource && pkg.typesVersions?.['*']?.[entry]?.[0] !== `dist/${entry}.d.ts`) {
      problems.push(`${folder}/package.json: typesVersions["*"].${entry} must be ["dist/${entry}.d.ts"]`);
    }
    if (!hasSource && exported !== undefined) {
      problems.push(`${folder}/package.json: exports "./${entry}" but src/${entry}.ts does not exist`);
    }
  }
  if (!fs.existsSync(path.join(dir, 'src', 'agent.ts'))) problems.push(`${folder}: src/agent.ts is missing`);
  return problems;
}

async function entry(dir: string, name: string): Promise<Record<string, unknown> | undefined> {
  const file = path.join(dir, 'src', `${name}.ts`);
  if (!fs.existsSync(file)) return undefined;
  return (await import(path.join(dir, 'src', name))) as Record<string, unknown>;
}

/** Imports the folder's `src/agent.ts` and `src/server.ts` (from sources, as Jest runs them). */
export async function loadFolderPlugins(dir: string): Promise<FolderPlugins> {
  const agent = await entry(dir, 'agent');
  const server = await entry(dir, 'server');
  return {
    agentNode: agent?.agentPlugin as NodeAttestorAgentPlugin | undefined,
    agentWorkload: agent?.workloadPlugin as WorkloadAttestorPlugin | undefined,
    server: server?.serverPlugin as NodeAttestorServerPlugin | undefined,
  };
}
