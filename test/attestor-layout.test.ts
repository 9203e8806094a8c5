/**
 * A new attestor is one folder under attestors/ plus one line in the server's and/or the agent's catalog. Everything
 * else is globbed (workspaces, tsconfig.tests.json paths, jest moduleNameMapper) or generated
 * (tsconfig.build.json by `npm run build`); these checks name the line that is missing.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { NODE_ATTESTOR_PLUGINS, WORKLOAD_ATTESTOR_PLUGINS } from '@lanyard/agent';
import { SERVER_NODE_ATTESTORS } from '@lanyard/server';
import { ROOT, attestorFolderNames, loadFolderPlugins, packageProblems } from './attestor-folders';

const folders = attestorFolderNames();

function readJson<T>(file: string): T {
  return JSON.parse(fs.readFileSync(path.join(ROOT, file), 'utf8')) as T;
}

describe('attestor folders', () => {
  it('finds the attestors', () => {
    expect(folders).toEqual(expect.arrayContaining(['aws-iid', 'join-token', 'k8s', 'k8s-psat', 'unix']));
  });

  it.each(folders)('attestors/%s has ./agent (and ./server) entries in package.json', (name) => {
    expect(packageProblems(path.join(ROOT, 'attestors', name))).toEqual([]);
  });

  it.each(folders)('attestors/%s is registered in the catalogs for each entry it has', async (name) => {
    const plugins = await loadFolderPlugins(path.join(ROOT, 'attestors', name));
    const problems: string[] = [];
    if (plugins.agentNode === undefined && plugins.agentWorkload === undefined) {
      problems.push(`attestors/${name}/src/agent.ts exports neither agentPlugin nor workloadPlugin`);
    }
    if (plugins.agentNode && NODE_ATTESTOR_PLUGINS.find(plugins.agentNode.name) !== plugins.agentNode) {
      problems.push(`agent/src/catalog/catalog.ts: add agentPlugin of @lanyard/attestor-${name}/agent`);
    }
    if (
      plugins.agentWorkload &&
      WORKLOAD_ATTESTOR_PLUGINS.find(plugins.agentWorkload.name) !== plugins.agentWorkload
    ) {
      problems.push(`agent/src/catalog/catalog.ts: add workloadPlugin of @lanyard/attestor-${name}/agent`);
    }
    if (plugins.server && SERVER_NODE_ATTESTORS.find(plugins.server.name) !== plugins.server) {
      problems.push(`server/src/catalog/builtins.ts: add serverPlugin of @lanyard/attestor-${name}/server`);
    }
    expect(problems).toEqual([]);
  });

  it('are all npm workspaces through one glob', () => {
    expect(readJson<{ workspaces: string[] }>('package.json').workspaces).toContain('attestors/*');
  });

  it('are all built before the server and the agent by tsconfig.build.json', () => {
    const refs = readJson<{ references: { path: string }[] }>('tsconfig.build.json').references.map(
      (r) => r.path,
    );
    const firstUser = Math.min(refs.indexOf('server'), refs.indexOf('agent'));
    const problems = ['core', ...folders]
      .map((name) => `attestors/${name}`)
      .filter((ref) => !refs.includes(ref) || refs.indexOf(ref) > firstUser)
      .map(
        (ref) =>
          `tsconfig.build.json: reference { "path": "${ref}" } before server and agent (npm run build adds it)`,
      );
    expect(problems).toEqual([]);
  });

  it('need no per-attestor line in the test type check or the jest mapper', () => {
    const paths = readJson<{ compilerOptions: { paths: Record<string, string[]> } }>('tsconfig.tests.json')
      .compilerOptions.paths;
    expect(Object.keys(paths).filter((key) => key.startsWith('@lanyard/attestor-'))).toEqual([
      '@lanyard/attestor-*/agent',
      '@lanyard/attestor-*/server',
      '@lanyard/attestor-*',
    ]);
  });

  it('checks the toy fixture folder the same way', () => {
    expect(packageProblems(path.join(__dirname, 'fixtures', 'attestors', 'toy'))).toEqual([]);
  });
});
