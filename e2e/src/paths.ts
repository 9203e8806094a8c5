import * as path from 'node:path';

/** Repository root, from `e2e/src` or `e2e/dist`. */
export const REPO_ROOT = path.resolve(__dirname, '..', '..');

/** Built CLI entry points the suites run as real processes. */
export const SERVER_BIN = path.join(REPO_ROOT, 'server', 'dist', 'cli', 'main.js');
export const AGENT_BIN = path.join(REPO_ROOT, 'agent', 'dist', 'cli', 'main.js');
