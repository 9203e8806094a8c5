import * as fs from 'node:fs';
import * as path from 'node:path';

const SRC = path.join(__dirname, '..', 'src');

/** Every module specifier imported (statically) by a source file. */
function importsOf(file: string): string[] {
  const text = fs.readFileSync(file, 'utf8');
  return [...text.matchAll(/(?:^|\n)\s*(?:import|export)\b[^'"]*?from\s+'([^']+)'/g)].map((m) => m[1]);
}

/** Follows relative imports from `entry`, returning every package the module graph loads. */
function packagesLoadedFrom(entry: string): Set<string> {
  const packages = new Set<string>();
  const seen = new Set<string>();
  const visit = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const spec of importsOf(file)) {
      if (!spec.startsWith('.')) {
        packages.add(spec);
        continue;
      }
      const base = path.resolve(path.dirname(file), spec);
      visit(fs.existsSync(`${base}.ts`) ? `${base}.ts` : path.join(base, 'index.ts'));
    }
  };
  visit(entry);
  return packages;
}

describe('@lanyard/base entry points', () => {
  it('the root entry loads nothing but Node built-ins (no gRPC)', () => {
    const loaded = [...packagesLoadedFrom(path.join(SRC, 'index.ts'))];
    expect(loaded.filter((spec) => !spec.startsWith('node:'))).toEqual([]);
  });

  it('the grpc subpath is where grpc-js is loaded', () => {
    expect(packagesLoadedFrom(path.join(SRC, 'grpc', 'index.ts'))).toContain('@grpc/grpc-js');
  });
});
