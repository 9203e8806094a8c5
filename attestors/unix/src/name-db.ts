import * as fs from 'node:fs';

/**
 * An id → name table read from a colon-separated database (`/etc/passwd`, `/etc/group`: name in field 1, id in
 * field 3), re-read by {@link NameDatabase.refresh} only when the file's mtime or size changes. Missing files
 * yield no names.
 */
export class NameDatabase {
  private names = new Map<string, string>();
  private stamp = '';

  constructor(private readonly file: string) {}

  /**
   * The name for a numeric id, if the file lists one (the first line wins, like getpwuid), as of the last
   * {@link refresh}.
   */
  lookup(id: string | number): string | undefined {
    return this.names.get(String(id));
  }

  /** Re-reads the file if its mtime, size or inode changed since the last call (one `stat` otherwise). */
  refresh(): void {
    let stat: fs.Stats;
    try {
      stat = fs.statSync(this.file);
    } catch {
      this.names = new Map();
      this.stamp = '';
      return;
    }
    const stamp = `${stat.mtimeMs}:${stat.size}:${stat.ino}`;
    if (stamp === this.stamp) return;
    this.names = parseNameDatabase(fs.readFileSync(this.file, 'utf8'));
    this.stamp = stamp;
  }
}

/** Parses `name:x:id:…` lines; comments, blank and malformed lines are skipped. */
export function parseNameDatabase(text: string): Map<string, string> {
  const names = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const fields = line.split(':');
    if (fields.length < 3 || fields[0] === '' || !/^\d+$/.test(fields[2])) continue;
    if (!names.has(fields[2])) names.set(fields[2], fields[0]);
  }
  return names;
}
