/** SPIFFE ID and selector parsing for CLI flags, with go-spiffe / SPIRE error wording. */
import { SpiffeId, SpiffeIdError, TrustDomain } from '@lanyard/spiffe';
import { CliFailure } from './api-command';

/** `spire.api.types.SPIFFEID`. */
export interface SpiffeIdProto {
  trust_domain: string;
  path: string;
}

/** `spire.api.types.Selector`. */
export interface SelectorProto {
  type: string;
  value: string;
}

/**
 * go-spiffe prints only the rule (`scheme is missing or invalid`); Lanyard's errors prefix the input and may
 * add the offending character. Keep the rule text so scripts matching SPIRE's messages still match.
 */
function goSpiffeText(err: SpiffeIdError): string {
  const afterInput = err.message.replace(/^[^"]*"(?:[^"\\]|\\.)*": /, '');
  return afterInput.replace(/ \(found .* at offset \d+\)$/, '');
}

/** Runs a SPIFFE ID parse, turning grammar errors into go-spiffe's wording. */
export function withIdErrors<T>(parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    if (err instanceof SpiffeIdError) throw new CliFailure(goSpiffeText(err));
    throw err;
  }
}

/** Parses a SPIFFE ID flag (`spiffeid.FromString`). */
export function parseId(text: string): SpiffeId {
  return withIdErrors(() => SpiffeId.parse(text));
}

/** Parses a SPIFFE ID flag into the API's `{trust_domain, path}` form. */
export function idToProto(text: string): SpiffeIdProto {
  const id = parseId(text);
  return { trust_domain: id.trustDomain.name, path: id.path };
}

/** Parses a trust domain flag (`td` or `spiffe://td`). */
export function parseTrustDomain(text: string): TrustDomain {
  return withIdErrors(() => TrustDomain.parse(text));
}

/** Formats `{trust_domain, path}` as `spiffe://td/path` (empty for a missing ID). */
export function protoToIdString(id: SpiffeIdProto | null | undefined): string {
  return id ? SpiffeId.fromPath(TrustDomain.parse(id.trust_domain), id.path).toString() : '';
}

/** Parses `type:value` (split at the first `:`), as SPIRE's `util.ParseSelector`. */
export function parseSelector(text: string): SelectorProto {
  const at = text.indexOf(':');
  if (at < 0) throw new CliFailure(`selector "${text}" must be formatted as type:value`);
  return { type: text.slice(0, at), value: text.slice(at + 1) };
}
