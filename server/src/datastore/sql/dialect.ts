import { MysqlAdapter } from 'kysely';
import type { Db } from './schema';

/*
 * The few statements whose portable spelling differs per backend ask the query layer which one it talks to.
 * MySQL has no `INSERT … RETURNING` / `DELETE … RETURNING` (MariaDB has, MySQL 8 has not), no
 * `ON CONFLICT`, and needs `ROW(…)` in a table value constructor; Lanyard uses the spellings both accept.
 */

/** True when `db` talks to MySQL or MariaDB. */
export function isMysql(db: Db): boolean {
  return db.getExecutor().adapter instanceof MysqlAdapter;
}
