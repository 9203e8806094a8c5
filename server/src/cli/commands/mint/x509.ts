/** `x509 mint`: a local key + CSR, `MintX509SVID`, then the bundle; printed or written to `-write DIR`. */
import * as path from 'node:path';
import { Option, type Command } from 'commander';
import { writeFileAtomicSync } from '@lanyard/base';
import { listOption } from '@lanyard/common';
import { encodePemBlocks } from '@lanyard/base';
import type { CliCommand, CommandContext } from '../../registry';
import {
  addApiCommand,
  addGroup,
  CliFailure,
  rpc,
  stringOption,
  wrapError,
  type ApiFlags,
  type ApiRun,
} from '../support/api-command';
import { rfc3339 } from '../support/format';
import { parseId } from '../support/ids';
import { ceilSeconds, durationArg, isCapped } from '../support/parsers';
import { printStructJson } from '../support/protojson';
import { generateCsr } from './csr';

interface X509MintFlags extends ApiFlags {
  spiffeID?: string;
  ttl: number;
  dns: string[];
  write?: string;
}

interface MintResult {
  chain: Buffer[];
  key: Buffer;
  roots: Buffer[];
}

function writeFiles(api: ApiRun, dir: string, r: MintResult): void {
  const files: [string, string, number, string][] = [
    ['svid.pem', encodePemBlocks('CERTIFICATE', r.chain), 0o644, 'X509-SVID'],
    ['key.pem', encodePemBlocks('PRIVATE KEY', [r.key]), 0o600, 'Private key'],
    ['bundle.pem', encodePemBlocks('CERTIFICATE', r.roots), 0o644, 'Root CAs'],
  ];
  for (const [name, pem, mode, label] of files) {
    const file = path.join(dir, name);
    try {
      writeFileAtomicSync(file, pem, { mode });
    } catch (err) {
      const what = label === 'Private key' ? 'key' : label === 'Root CAs' ? 'bundle' : 'SVID';
      throw new CliFailure(`unable to write ${what}: ${(err as Error).message}`);
    }
    api.stdout.write(`${label} written to ${file}\n`);
  }
}

async function mint(flags: X509MintFlags, api: ApiRun): Promise<MintResult & { expiresAt: number }> {
  if (!flags.spiffeID) throw new CliFailure('spiffeID must be specified');
  const id = parseId(flags.spiffeID);
  const csr = generateCsr(id.toString(), flags.dns);
  let res;
  try {
    res = await rpc(api.clients.svid, api.clients.svid.MintX509SVID, {
      csr: csr.csrDer,
      ttl: ceilSeconds(flags.ttl),
    });
  } catch (err) {
    throw wrapError('unable to mint SVID', err);
  }
  if (!res.svid || res.svid.cert_chain.length === 0)
    throw new CliFailure('server response missing SVID chain');
  let bundle;
  try {
    bundle = await rpc(api.clients.bundle, api.clients.bundle.GetBundle, {});
  } catch (err) {
    throw wrapError('unable to get bundle', err);
  }
  if (bundle.x509_authorities.length === 0) throw new CliFailure('server response missing X509 Authorities');
  return {
    chain: res.svid.cert_chain,
    key: csr.privateKeyDer,
    roots: bundle.x509_authorities.map((a) => a.asn1),
    expiresAt: res.svid.expires_at,
  };
}

function register(program: Command, ctx: CommandContext): void {
  const x509 = addGroup(program, 'x509', 'Mint X509-SVIDs');
  addApiCommand<X509MintFlags>(x509, ctx, {
    name: 'mint',
    description: 'Mints an X509-SVID',
    options: [
      stringOption('--spiffeID <id>', 'SPIFFE ID of the X509-SVID'),
      new Option('--ttl <duration>', 'TTL of the X509-SVID (Go duration, e.g. 1h)')
        .argParser(durationArg)
        .default(0),
      listOption('--dns <name>', 'DNS name that will be included in SVID. Can be used more than once.'),
      stringOption('--write <dir>', 'Directory to write output to instead of stdout'),
    ],
    async run(flags, api) {
      const r = await mint(flags, api);
      if (isCapped(r.expiresAt, flags.ttl)) {
        api.stderr.write(
          `X509-SVID lifetime was capped shorter than specified ttl; expires "${rfc3339(r.expiresAt)}"\n`,
        );
      }
      if (flags.write) return writeFiles(api, flags.write, r);
      if (api.format === 'json') {
        const b64 = (d: Buffer) => d.toString('base64');
        return printStructJson(api.stdout, {
          x509_svid: r.chain.map(b64),
          private_key: b64(r.key),
          root_cas: r.roots.map(b64),
        });
      }
      api.stdout.write(`X509-SVID:\n${encodePemBlocks('CERTIFICATE', r.chain)}\n`);
      api.stdout.write(`Private key:\n${encodePemBlocks('PRIVATE KEY', [r.key])}\n`);
      api.stdout.write(`Root CAs:\n${encodePemBlocks('CERTIFICATE', r.roots)}\n`);
    },
  });
}

/** Registration of `x509`. */
export const x509Command: CliCommand = { name: 'x509', register };
