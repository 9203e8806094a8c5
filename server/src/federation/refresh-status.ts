/** What the refresh client knows about one relationship, for `federation show` / `list` and logs. */
export interface RefreshStatus {
  trustDomain: string;
  /** Unix ms of the last completed attempt (success or failure). */
  lastRefreshAt?: number;
  /** Unix ms of the last successful fetch. */
  lastSuccessAt?: number;
  /** Message of the last attempt's failure; undefined when it succeeded. */
  lastError?: string;
  /** Unix ms of the next scheduled attempt. */
  nextRefreshAt?: number;
}
