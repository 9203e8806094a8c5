import type { ConfigIssue } from '../config/errors';
import { field, type Infer } from '../config/schema';
import { parseByteSize } from './size';
import type { TrailWriterOptions } from './trail-writer';

/** Defaults of `audit_trail {}`. */
export const AUDIT_TRAIL_DEFAULTS = { maxSizeBytes: 100 * 1000 ** 2, maxFiles: 5 } as const;

/** Schema of the `audit_trail { path, max_size, max_files }` block (inside `server {}` or `agent {}`). */
export const auditTrailSchema = field.object('audit_trail', {
  path: field.string({ required: 'audit_trail.path must be configured' }),
  max_size: field.string(),
  max_files: field.int({ min: 0, max: 1000 }),
});

/** The decoded block. */
export type AuditTrailBlock = Infer<typeof auditTrailSchema>;

/** The typed `audit_trail` settings. */
export type AuditTrailConfig = Pick<TrailWriterOptions, 'path' | 'maxSizeBytes' | 'maxFiles'>;

/**
 * Maps a decoded `audit_trail` block (under `section`, e.g. `server`) to its settings with defaults; a bad
 * `max_size` is reported in `issues` and the block then maps to undefined.
 */
export function mapAuditTrail(
  block: AuditTrailBlock | undefined,
  section: string,
  issues: ConfigIssue[],
): AuditTrailConfig | undefined {
  if (block === undefined) return undefined;
  if (!block.path) {
    issues.push({ path: `${section}.audit_trail.path`, message: 'must not be empty' });
    return undefined;
  }
  let maxSizeBytes: number = AUDIT_TRAIL_DEFAULTS.maxSizeBytes;
  if (block.max_size !== undefined) {
    try {
      maxSizeBytes = parseByteSize(block.max_size);
    } catch (err) {
      issues.push({ path: `${section}.audit_trail.max_size`, message: (err as Error).message });
      return undefined;
    }
  }
  return { path: block.path, maxSizeBytes, maxFiles: block.max_files ?? AUDIT_TRAIL_DEFAULTS.maxFiles };
}
