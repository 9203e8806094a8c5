import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  reliabilitySectionText,
  reliabilityWriteRequested,
  replaceReliabilitySection,
  writeReliabilitySection,
} from '../src/reliability-doc';

describe('replaceReliabilitySection', () => {
  const intro = '# Reliability\n\nIntro text.\n';

  test('appends a new section between its markers', () => {
    const out = replaceReliabilitySection(intro, 'fault-injection', '## Fault injection\n\nfigures 1');
    expect(out).toBe(
      `${intro}\n<!-- reliability:fault-injection -->\n## Fault injection\n\nfigures 1\n<!-- /reliability:fault-injection -->\n`,
    );
  });

  test("replaces only its own section and keeps the others' text and order", () => {
    let doc = replaceReliabilitySection(intro, 'fault-injection', '## Fault injection\n\nold');
    doc = replaceReliabilitySection(doc, 'fuzz', '## Fuzzing\n\nfuzz figures');
    doc = replaceReliabilitySection(doc, 'fault-injection', '## Fault injection\n\nnew');
    expect(doc).toContain('new\n<!-- /reliability:fault-injection -->');
    expect(doc).not.toContain('old');
    expect(doc).toContain('## Fuzzing\n\nfuzz figures\n<!-- /reliability:fuzz -->');
    expect(doc.indexOf('Fault injection')).toBeLessThan(doc.indexOf('Fuzzing'));
  });

  test('starts a document with a heading when there is none yet', () => {
    expect(replaceReliabilitySection('', 'fuzz', '## Fuzzing')).toMatch(
      /^# Reliability\n\n<!-- reliability:fuzz -->/,
    );
  });

  test('rejects a key that is not lower-case words and an unclosed marker', () => {
    expect(() => replaceReliabilitySection(intro, 'Bad Key', 'x')).toThrow(/section key "Bad Key"/);
    expect(() => replaceReliabilitySection('<!-- reliability:fuzz -->\n', 'fuzz', 'x')).toThrow(/no closing/);
  });
});

test('writeReliabilitySection rewrites the file in place; writing needs LANYARD_WRITE_RELIABILITY=1', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lanyard-reldoc-'));
  const file = path.join(dir, 'reliability.md');
  fs.writeFileSync(file, '# Reliability\n');
  writeReliabilitySection('fuzz', '## Fuzzing\n\nA', file);
  writeReliabilitySection('fuzz', '## Fuzzing\n\nB', file);
  expect(fs.readFileSync(file, 'utf8')).toBe(
    '# Reliability\n\n<!-- reliability:fuzz -->\n## Fuzzing\n\nB\n<!-- /reliability:fuzz -->\n',
  );
  fs.rmSync(dir, { recursive: true, force: true });
  expect(reliabilityWriteRequested({})).toBe(false);
  expect(reliabilityWriteRequested({ LANYARD_WRITE_RELIABILITY: '1' })).toBe(true);
});

test('reliabilitySectionText reads back what was written, and nothing for an absent section', () => {
  const doc = replaceReliabilitySection('', 'fault-injection', '## Fault injection\n\nbody');
  expect(reliabilitySectionText(doc, 'fault-injection')).toBe('## Fault injection\n\nbody\n');
  expect(reliabilitySectionText(doc, 'fuzz')).toBeUndefined();
});
