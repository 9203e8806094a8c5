import { PassThrough } from 'node:stream';
import { Command } from 'commander';
import { status } from '@grpc/grpc-js';
import { listOption, normalizeGoFlags, outputOption, printCliError, printResult } from '@lanyard/common';

function entryCreateProgram(): { program: Command; seen: () => Record<string, unknown> } {
  let opts: Record<string, unknown> = {};
  const program = new Command('lanyard-server').exitOverride();
  const entry = program.command('entry');
  entry
    .command('create')
    .option('--spiffeID <id>', 'SPIFFE ID')
    .option('--ttl <seconds>', 'TTL')
    .option('--admin', 'admin entry')
    .option('--downstream', 'downstream entry')
    .option('--no-storeSVID', 'do not store')
    .addOption(listOption('--selector <selector>', 'selector, repeatable'))
    .addOption(outputOption())
    .action((options: Record<string, unknown>) => {
      opts = options;
    });
  return { program, seen: () => opts };
}

function run(args: string[]): Record<string, unknown> {
  const { program, seen } = entryCreateProgram();
  program.parse(normalizeGoFlags(args, program), { from: 'user' });
  return seen();
}

describe('normalizeGoFlags with commander', () => {
  it('accepts single-dash long flags, -flag=value and --flag alike', () => {
    const options = run([
      'entry',
      'create',
      '-spiffeID',
      'spiffe://td/w',
      '-ttl=60',
      '--selector',
      'unix:uid:0',
      '-selector=unix:gid:0',
    ]);
    expect(options).toMatchObject({
      spiffeID: 'spiffe://td/w',
      ttl: '60',
      selector: ['unix:uid:0', 'unix:gid:0'],
    });
  });

  it('maps Go boolean spellings to commander flags', () => {
    expect(run(['entry', 'create', '-admin=true', '-downstream=false'])).toMatchObject({ admin: true });
    expect(run(['entry', 'create', '-admin=true', '-downstream=false']).downstream).toBeUndefined();
    expect(run(['entry', 'create', '-storeSVID=false']).storeSVID).toBe(false);
  });

  it('leaves short flags, negative numbers and arguments after -- alone', () => {
    expect(normalizeGoFlags(['-h', '-5', '--', '-spiffeID'])).toEqual(['-h', '-5', '--', '-spiffeID']);
  });

  it('defaults -output to pretty and rejects unknown formats', () => {
    expect(run(['entry', 'create']).output).toBe('pretty');
    expect(run(['entry', 'create', '-output', 'json']).output).toBe('json');
    expect(() => run(['entry', 'create', '-output', 'yaml'])).toThrow(
      'invalid output format "yaml": use pretty or json',
    );
  });
});

describe('output helpers', () => {
  const read = (stream: PassThrough): string => String(stream.read() ?? '');

  it('prints JSON with API field names, bigints as strings and bytes as base64', () => {
    const out = new PassThrough();
    printResult(
      'json',
      { spiffe_id: { trust_domain: 'td', path: '/w' }, expires_at: 10n, der: Buffer.from([1, 2]) },
      () => 'x',
      out,
    );
    expect(read(out)).toBe(
      '{"spiffe_id":{"trust_domain":"td","path":"/w"},"expires_at":"10","der":"AQI="}\n',
    );
  });

  it('prints the pretty rendering otherwise', () => {
    const out = new PassThrough();
    printResult('pretty', { count: 3 }, (v) => `Found ${v.count} entries`, out);
    expect(read(out)).toBe('Found 3 entries\n');
  });

  it("prints a gRPC error's server message and sets exit code 1", () => {
    const err = new PassThrough();
    const previous = process.exitCode;
    try {
      const grpcError = Object.assign(new Error('5 NOT_FOUND: entry not found'), {
        code: status.NOT_FOUND,
        details: 'entry not found',
      });
      expect(printCliError(grpcError, err)).toBe(1);
      expect(read(err)).toBe('Error: entry not found\n');
      expect(process.exitCode).toBe(1);
      printCliError(new Error('could not parse trust_domain'), err);
      expect(read(err)).toBe('Error: could not parse trust_domain\n');
    } finally {
      process.exitCode = previous;
    }
  });
});
