import { readFile } from 'node:fs/promises';
import type { OrganizationsClient } from '@aws-sdk/client-organizations';
import { PermissionDeniedError } from '@lanyard/base';
import { type AwsSdk, awsCall } from './aws-sdk';

/** Where the organization's accounts come from; `undefined` means the source is unusable (fail closed). */
export type OrgAccountSource = () => Promise<ReadonlySet<string> | undefined>;

/**
 * `verify_organization`: the set of organization accounts, reloaded lazily once `org_account_map_ttl` has
 * passed. Fail-closed: an unusable source rejects every account.
 */
export class OrgAccountList {
  private accounts?: ReadonlySet<string>;
  private loadedAt = -Infinity;

  /**
   * @param source loads the account set
   * @param what names the source in refusals (`account list /etc/spire/accounts.json`)
   */
  constructor(
    private readonly source: OrgAccountSource,
    private readonly what: string,
    private readonly ttlMs: number,
    private readonly now: () => number,
  ) {}

  /**
   * @throws PermissionDeniedError when the account is not listed or the list is unusable; the source's own
   *   error (AWS unreachable or refusing) as it is.
   */
  async assertMember(accountId: string): Promise<void> {
    if (this.now() - this.loadedAt >= this.ttlMs) await this.reload();
    if (!this.accounts) {
      throw new PermissionDeniedError(
        `aws_iid: ${this.what} is unreadable or malformed; refusing account ${accountId}`,
        'ERR_AWS_IID_ORG',
      );
    }
    if (!this.accounts.has(accountId)) {
      throw new PermissionDeniedError(
        `aws_iid: account ${accountId} is not part of the configured organization`,
        'ERR_AWS_IID_ORG',
      );
    }
  }

  /** Loads the accounts now; returns false (and forgets the old set) when the source is unusable. */
  async reload(): Promise<boolean> {
    this.accounts = undefined;
    this.accounts = await this.source();
    this.loadedAt = this.now();
    return this.accounts !== undefined;
  }
}

/** `account_list_file`: a JSON array of 12-digit account IDs; `undefined` when unreadable or malformed. */
export function accountListFile(path: string): OrgAccountSource {
  return async () => {
    try {
      const value: unknown = JSON.parse(await readFile(path, 'utf8'));
      if (!Array.isArray(value) || !value.every((v) => typeof v === 'string' && /^\d{12}$/.test(v)))
        return undefined;
      return new Set(value as string[]);
    } catch {
      return undefined;
    }
  };
}

/**
 * Organizations `ListAccounts` (every page): the `ACTIVE` accounts, as SPIRE keeps. The account `State` is read,
 * and the older `Status` (retired by AWS in September 2026) when an answer has no `State`.
 */
export function organizationsApi(sdk: AwsSdk, client: () => OrganizationsClient): OrgAccountSource {
  return () =>
    awsCall('organizations ListAccounts', async () => {
      const active = new Set<string>();
      for await (const page of sdk.organizations.paginateListAccounts({ client: client() }, {})) {
        for (const account of page.Accounts ?? []) {
          if (account.Id && (account.State ?? account.Status) === 'ACTIVE') active.add(account.Id);
        }
      }
      return active;
    });
}
