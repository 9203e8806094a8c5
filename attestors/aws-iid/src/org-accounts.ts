import { readFile } from 'node:fs/promises';
import { PermissionDeniedError } from '@lanyard/base';
import type { OrgAccountListConfig } from './config';

/**
 * `verify_organization` in account-list-file mode: a JSON array of 12-digit account IDs, re-read lazily once
 * `org_account_map_ttl` has passed. Fail-closed: an unreadable or malformed file rejects every account.
 */
export class OrgAccountList {
  private accounts?: ReadonlySet<string>;
  private loadedAt = -Infinity;

  constructor(
    private readonly config: OrgAccountListConfig,
    private readonly now: () => number,
  ) {}

  /** @throws PermissionDeniedError when the account is not listed or the list cannot be read. */
  async assertMember(accountId: string): Promise<void> {
    if (this.now() - this.loadedAt >= this.config.ttlMs) await this.reload();
    if (!this.accounts) {
      throw new PermissionDeniedError(
        `aws_iid: account list ${this.config.accountListFile} is unreadable or malformed; refusing account ${accountId}`,
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

  /** Reads the file now; returns false (and forgets the old list) when it is unreadable or malformed. */
  async reload(): Promise<boolean> {
    this.loadedAt = this.now();
    this.accounts = undefined;
    try {
      const value: unknown = JSON.parse(await readFile(this.config.accountListFile, 'utf8'));
      if (!Array.isArray(value) || !value.every((v) => typeof v === 'string' && /^\d{12}$/.test(v)))
        return false;
      this.accounts = new Set(value as string[]);
      return true;
    } catch {
      return false;
    }
  }
}
