/**
 * The agent loads attestor agent halves only, and the server server halves only: each catalog imports
 * `@lanyard/attestor-<name>/agent` or `/server`, and server halves take their jose helpers from
 * `@lanyard/attestor-core/server`. Checked on the built dist in a fresh Node process, by the modules that end up
 * in `require.cache`.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ROOT } from './attestor-folders';

/** Repository-relative paths of every module a fresh Node process loads for `file` (a built dist file). */
function modulesLoadedBy(file: string): string[] {
  if (!fs.existsSync(path.join(ROOT, file))) throw new Error(`${file} is missing: run npm run build first`);
  const script = `require(${JSON.stringify(`./${file}`)});
process.stdout.write(JSON.stringify(Object.keys(require.cache)));`;
  const out = execFileSync(process.execPath, ['-e', script], { cwd: ROOT, encoding: 'utf8' });
  return (JSON.parse(out) as string[]).map((m) => path.relative(ROOT, fs.realpathSync(m)));
}

/**
 * Libraries only server halves use: jose (cloud identity tokens, loaded lazily), yaml (kubeconfig), ASN.1 libraries,
 * the Azure SDK (ARM lookups).
 */
const SERVER_ONLY = [
  /^node_modules\/(jose|yaml|pkijs|asn1js|@azure)\//,
  /^attestors\/core\/dist\/(server|external-jwt)\.js$/,
];
const ATTESTOR_HALF = (half: 'agent' | 'server'): RegExp => new RegExp(`^attestors/[^/]+/dist/${half}\\.js$`);

describe('catalog imports', () => {
  it("the agent's catalog (and the whole agent) loads no server half, jose or yaml", () => {
    for (const file of ['agent/dist/catalog/catalog.js', 'agent/dist/index.js']) {
      const loaded = modulesLoadedBy(file);
      expect(loaded).toContain('attestors/aws-iid/dist/agent.js');
      expect(loaded).toContain('attestors/unix/dist/agent.js');
      const unwanted = [...SERVER_ONLY, ATTESTOR_HALF('server')];
      expect(loaded.filter((m) => unwanted.some((re) => re.test(m)))).toEqual([]);
    }
  });

  it("the server's catalog loads no agent half", () => {
    const loaded = modulesLoadedBy('server/dist/catalog/builtins.js');
    expect(loaded).toContain('attestors/aws-iid/dist/server.js');
    expect(loaded).toContain('attestors/core/dist/external-jwt.js');
    expect(loaded.some((m) => m.startsWith('node_modules/yaml/'))).toBe(true);
    expect(loaded.filter((m) => ATTESTOR_HALF('agent').test(m))).toEqual([]);
  });
});
