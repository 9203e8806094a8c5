/** Flag value parsing shared by the commands. */
import { InvalidArgumentError } from '@lanyard/base';

/** Parses an optional whole-number flag, naming it on error. */
export function intFlag(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError(`${name} "${value}" must be a whole number`);
  return Number(value);
}
