import { LanyardError } from '@lanyard/base';

/**
 * Base class of the SPIFFE library's errors. Each subclass is named after the failure (an ID, an X.509-SVID, a
 * JWT-SVID, a bundle, the Workload API, a peer's authorization) and narrows `code` to a string-literal union of
 * that failure's codes, as jose does. The gRPC status (`grpcStatus`, inherited from {@link LanyardError}) follows
 * from the code, so gRPC edges answer with the right status without knowing the SPIFFE classes.
 *
 * @example
 * ```ts
 * try {
 *   JwtSvid.parseAndValidate(token, { bundles, audience: 'spiffe://example.org/api' });
 * } catch (err) {
 *   if (err instanceof JwtSvidError && err.code === 'ERR_JWT_SVID_EXPIRED') refresh();
 * }
 * ```
 */
export abstract class SpiffeError<Code extends string = string> extends LanyardError {
  /** Machine-readable reason; one of the subclass's codes. */
  declare readonly code: Code;

  protected constructor(
    statusByCode: Readonly<Record<Code, number>>,
    code: Code,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(statusByCode[code], code, message, options?.cause === undefined ? undefined : options);
  }
}
