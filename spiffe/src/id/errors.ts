import { SpiffeIdError, type SpiffeIdRule } from '../errors/spiffe-id-error';

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
