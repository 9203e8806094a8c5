import { InvalidArgumentError } from '@lanyard/base';

/**
 * Which rule of the SPIFFE ID grammar (SPIFFE.md §1) an input broke. Parsing checks run in a fixed order and
 * the first failure decides the rule, matching go-spiffe's error classes.
 */
export type SpiffeIdRule =
  /** The input is the empty string. */
  | 'empty'
  /** The input does not start with exactly `spiffe://` (case-sensitive, no leading whitespace). */
  | 'scheme'
  /** The trust domain holds a character outside `a-z 0-9 . - _` (uppercase, port, userinfo, `%`, `?`, …). */
  | 'td-char'
  /** Nothing between `spiffe://` and the path. */
  | 'td-missing'
  /** A path segment is empty (`//`). */
  | 'empty-segment'
  /** A path segment is exactly `.` or `..`. */
  | 'dot-segment'
  /** A path byte outside `a-z A-Z 0-9 . - _` (percent-encoding, query, fragment, non-ASCII, space, `:` …). */
  | 'path-char'
  /** The path ends with `/`. */
  | 'trailing-slash'
  /** A path given on its own (not inside a full ID) does not start with `/`. */
  | 'leading-slash'
  /** The ID or trust domain is longer than may be issued (2048 bytes for an ID, 255 for a trust domain). */
  | 'too-long'
  /** The trust domain has an empty DNS label (leading/trailing dot or `..`), which Go X.509 peers reject. */
  | 'td-label';

/** Error raised when a SPIFFE ID, trust domain or path breaks the grammar. `rule` names the broken rule. */
export class SpiffeIdError extends InvalidArgumentError {
  /** The grammar rule that failed. */
  readonly rule: SpiffeIdRule;

  constructor(rule: SpiffeIdRule, message: string) {
    super(message, `ERR_SPIFFE_ID_${rule.toUpperCase().replace(/-/g, '_')}`);
    this.rule = rule;
  }
}

const RULE_TEXT: Record<SpiffeIdRule, string> = {
  empty: 'cannot be empty',
  scheme: 'scheme is missing or invalid',
  'td-char':
    'trust domain characters are limited to lowercase letters, numbers, dots, dashes, and underscores',
  'td-missing': 'trust domain is missing',
  'empty-segment': 'path cannot contain empty segments',
  'dot-segment': 'path cannot contain dot segments',
  'path-char': 'path segment characters are limited to letters, numbers, dots, dashes, and underscores',
  'trailing-slash': 'path cannot have a trailing slash',
  'leading-slash': 'path must have a leading slash',
  'too-long': 'is too long',
  'td-label': 'trust domain cannot have empty labels (leading, trailing or double dots)',
};

/**
 * Builds a {@link SpiffeIdError} for `rule` with the standard wording, prefixed by what was parsed
 * (`spiffe id "…"`) and, for character errors, the offending character and its offset.
 */
export function spiffeIdError(rule: SpiffeIdRule, what: string, input: string, at?: number): SpiffeIdError {
  const shown = input.length > 80 ? `${input.slice(0, 77)}...` : input;
  let detail = '';
  if (at !== undefined && at < input.length) {
    detail = ` (found ${JSON.stringify(input[at])} at offset ${at})`;
  }
  return new SpiffeIdError(rule, `${what} ${JSON.stringify(shown)}: ${RULE_TEXT[rule]}${detail}`);
}
