import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { InvalidArgumentError } from '@lanyard/base';
import { parse as parseYaml } from 'yaml';
import type { KubeConnection } from './connection';

type Named = { name?: unknown; [section: string]: unknown };
type Section = Record<string, unknown>;

function fail(file: string, problem: string): never {
  throw new InvalidArgumentError(`kubeconfig "${file}": ${problem}`, 'ERR_KUBECONFIG');
}

function findNamed(config: Section, list: string, name: string, file: string): Section {
  const items = config[list];
  if (!Array.isArray(items)) fail(file, `${list} must be a list`);
  const item = (items as Named[]).find((entry) => entry?.name === name);
  const section = item?.[list.slice(0, -1)];
  if (typeof section !== 'object' || section === null)
    fail(file, `${list.slice(0, -1)} "${name}" is not defined`);
  return section as Section;
}

function optionalString(section: Section, key: string, file: string): string | undefined {
  const value = section[key];
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') fail(file, `${key} must be a string`);
  return value;
}

async function dataOrFile(section: Section, key: string, file: string): Promise<string | undefined> {
  const data = optionalString(section, `${key}-data`, file);
  if (data !== undefined) return Buffer.from(data, 'base64').toString('utf8');
  const ref = optionalString(section, key, file);
  if (ref === undefined) return undefined;
  const resolved = path.resolve(path.dirname(file), ref);
  try {
    return await readFile(resolved, 'utf8');
  } catch (error) {
    return fail(file, `${key} file "${resolved}" cannot be read: ${(error as Error).message}`);
  }
}

/** Parses kubeconfig text (YAML or JSON) of `file`; relative paths inside resolve against the file's directory. */
export async function parseKubeconfig(text: string, file: string): Promise<KubeConnection> {
  let config: unknown;
  try {
    config = parseYaml(text);
  } catch (error) {
    fail(file, `is not valid YAML: ${(error as Error).message}`);
  }
  if (typeof config !== 'object' || config === null) fail(file, 'is not a kubeconfig document');
  const root = config as Section;
  const contextName = optionalString(root, 'current-context', file);
  if (!contextName) fail(file, 'current-context is not set');
  const context = findNamed(root, 'contexts', contextName, file);
  const cluster = findNamed(root, 'clusters', String(context.cluster), file);
  const user = context.user === undefined ? {} : findNamed(root, 'users', String(context.user), file);
  for (const unsupported of ['exec', 'auth-provider', 'username']) {
    if (user[unsupported] !== undefined) fail(file, `user.${unsupported} authentication is not supported`);
  }
  const server = optionalString(cluster, 'server', file);
  if (!server || !/^https?:\/\/[^/]+/.test(server)) fail(file, 'cluster.server must be an https URL');
  const tokenFile = optionalString(user, 'tokenFile', file);
  return {
    server: server.replace(/\/+$/, ''),
    caPem: await dataOrFile(cluster, 'certificate-authority', file),
    insecureSkipTlsVerify: cluster['insecure-skip-tls-verify'] === true,
    tlsServerName: optionalString(cluster, 'tls-server-name', file),
    token: optionalString(user, 'token', file),
    tokenFile: tokenFile === undefined ? undefined : path.resolve(path.dirname(file), tokenFile),
    clientCertPem: await dataOrFile(user, 'client-certificate', file),
    clientKeyPem: await dataOrFile(user, 'client-key', file),
  };
}

/**
 * Reads a kubeconfig file and returns the connection of its current context. Supports token, tokenFile, client
 * certificates (inline `-data` or file) and CA data or file; `exec` and `auth-provider` plugins are refused.
 * @throws InvalidArgumentError naming the file and the problem.
 */
export async function loadKubeconfig(file: string): Promise<KubeConnection> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    return fail(file, `cannot be read: ${(error as Error).message}`);
  }
  return parseKubeconfig(text, file);
}
