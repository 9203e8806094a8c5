/** A condition block of an IAM policy statement (`StringEquals` and `StringLike` are evaluated). */
export interface IamConditionBlock {
  readonly StringEquals?: Readonly<Record<string, string | readonly string[]>>;
  readonly StringLike?: Readonly<Record<string, string | readonly string[]>>;
}

/** One statement of a role trust policy. */
export interface IamTrustStatement {
  readonly Effect: 'Allow' | 'Deny';
  readonly Principal: { readonly Federated?: string | readonly string[] };
  readonly Action: string | readonly string[];
  readonly Condition?: IamConditionBlock;
}

/** A role trust policy document (`Version` 2012-10-17). */
export interface IamTrustPolicy {
  readonly Version: '2012-10-17';
  readonly Statement: readonly IamTrustStatement[];
}

/** What an `AssumeRoleWithWebIdentity` call presents to the trust policy. */
export interface WebIdentityRequestContext {
  /** `arn:aws:iam::<account>:oidc-provider/<host[/path]>` of the token's issuer. */
  readonly providerArn: string;
  /** Condition keys and their values, e.g. `oidc.example.org:sub` → the SPIFFE ID. */
  readonly keys: Readonly<Record<string, string>>;
}

const ACTION = 'sts:AssumeRoleWithWebIdentity';

/**
 * Evaluates a trust policy as IAM does for web identity: an explicit `Deny` that matches wins, otherwise some
 * `Allow` statement must name the provider as its federated principal, allow the action, and have every condition
 * hold (a key absent from the request fails its condition; a list of values means any of them).
 */
export function trustPolicyAllows(policy: IamTrustPolicy, context: WebIdentityRequestContext): boolean {
  const matching = policy.Statement.filter((s) => statementMatches(s, context));
  if (matching.some((s) => s.Effect === 'Deny')) return false;
  return matching.some((s) => s.Effect === 'Allow');
}

function statementMatches(statement: IamTrustStatement, context: WebIdentityRequestContext): boolean {
  if (!asList(statement.Principal.Federated).includes(context.providerArn)) return false;
  if (!asList(statement.Action).some((a) => a === ACTION || a === 'sts:*')) return false;
  const condition = statement.Condition ?? {};
  return (
    everyKey(condition.StringEquals, context, (value, pattern) => value === pattern) &&
    everyKey(condition.StringLike, context, likeMatches)
  );
}

function everyKey(
  block: Readonly<Record<string, string | readonly string[]>> | undefined,
  context: WebIdentityRequestContext,
  test: (value: string, pattern: string) => boolean,
): boolean {
  return Object.entries(block ?? {}).every(([key, patterns]) => {
    const value = context.keys[key];
    return value !== undefined && asList(patterns).some((p) => test(value, p));
  });
}

/** IAM `StringLike`: `*` matches any run of characters, `?` exactly one; everything else is literal. */
function likeMatches(value: string, pattern: string): boolean {
  const source = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${source}$`, 's').test(value);
}

function asList<T>(value: T | readonly T[] | undefined): readonly T[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? (value as readonly T[]) : [value as T];
}

/** The `<host[/path]>` an IAM OIDC provider is keyed on: the issuer URL without its scheme or trailing slash. */
export function oidcProviderKey(issuer: string): string {
  return issuer.replace(/^https?:\/\//, '').replace(/\/$/, '');
}
