import { StatusCode } from '@lanyard/base';
import { SpiffeError } from './spiffe-error';

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

/** The code of a {@link SpiffeIdError}: `ERR_SPIFFE_ID_` and the rule in upper snake case. */
export type SpiffeIdErrorCode =
  | 'ERR_SPIFFE_ID_EMPTY'
  | 'ERR_SPIFFE_ID_SCHEME'
  | 'ERR_SPIFFE_ID_TD_CHAR'
  | 'ERR_SPIFFE_ID_TD_MISSING'
  | 'ERR_SPIFFE_ID_EMPTY_SEGMENT'
  | 'ERR_SPIFFE_ID_DOT_SEGMENT'
  | 'ERR_SPIFFE_ID_PATH_CHAR'
  | 'ERR_SPIFFE_ID_TRAILING_SLASH'
  | 'ERR_SPIFFE_ID_LEADING_SLASH'
  | 'ERR_SPIFFE_ID_TOO_LONG'
  | 'ERR_SPIFFE_ID_TD_LABEL';

const CODE_OF_RULE: Readonly<Record<SpiffeIdRule, SpiffeIdErrorCode>> = {
  empty: 'ERR_SPIFFE_ID_EMPTY',
  scheme: 'ERR_SPIFFE_ID_SCHEME',
  'td-char': 'ERR_SPIFFE_ID_TD_CHAR',
  'td-missing': 'ERR_SPIFFE_ID_TD_MISSING',
  'empty-segment': 'ERR_SPIFFE_ID_EMPTY_SEGMENT',
  'dot-segment': 'ERR_SPIFFE_ID_DOT_SEGMENT',
  'path-char': 'ERR_SPIFFE_ID_PATH_CHAR',
  'trailing-slash': 'ERR_SPIFFE_ID_TRAILING_SLASH',
  'leading-slash': 'ERR_SPIFFE_ID_LEADING_SLASH',
  'too-long': 'ERR_SPIFFE_ID_TOO_LONG',
  'td-label': 'ERR_SPIFFE_ID_TD_LABEL',
};

const STATUS = Object.fromEntries(
  Object.values(CODE_OF_RULE).map((code) => [code, StatusCode.INVALID_ARGUMENT]),
) as Record<SpiffeIdErrorCode, number>;

/**
 * A SPIFFE ID, trust domain or path breaks the grammar. `rule` names the broken rule; every code maps to
 * INVALID_ARGUMENT.
 */
export class SpiffeIdError extends SpiffeError<SpiffeIdErrorCode> {
  /** The grammar rule that failed. */
  readonly rule: SpiffeIdRule;

  constructor(rule: SpiffeIdRule, message: string) {
    super(STATUS, CODE_OF_RULE[rule], message);
    this.rule = rule;
  }
}
