/** How a command reports a failure. */
import type { CommandContext } from '@lanyard/common';

/** Writes a failure as one line (no stack trace) and records exit code 1. */
export function reportFailure(ctx: CommandContext, err: unknown): void {
  ctx.io.stderr.write(`lanyard-helper: ${err instanceof Error ? err.message : String(err)}\n`);
  ctx.exit(1);
}
