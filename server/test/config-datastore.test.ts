import { parseServerConfig } from '../src/config';
import { minimalServerConf } from './config-fixtures';

/** The fixture with the DataStore `plugin_data` body replaced. */
function withDataStore(body: string): string {
  return minimalServerConf().replace(/database_type = "sqlite3"\n\s*connection_string = "[^"]*"/, body);
}

describe('DataStore "sql" plugin_data', () => {
  it("maps every SPIRE key of a MySQL config (SPIRE's documented DSN form)", () => {
    const { config } = parseServerConfig(
      withDataStore(`database_type = "mysql"
      connection_string = "spire:secret@tcp(db.example:3306)/spire?parseTime=true"
      ro_connection_string = "spire:secret@tcp(replica.example:3306)/spire?parseTime=true"
      max_open_conns = 50
      max_idle_conns = 5
      conn_max_lifetime = "1h"
      disable_migration = true
      root_ca_path = "/etc/spire/db-ca.pem"
      client_cert_path = "/etc/spire/db.crt"
      client_key_path = "/etc/spire/db.key"`),
    );
    expect(config.plugins.dataStore).toEqual({
      databaseType: 'mysql',
      connectionString: 'spire:secret@tcp(db.example:3306)/spire?parseTime=true',
      roConnectionString: 'spire:secret@tcp(replica.example:3306)/spire?parseTime=true',
      maxOpenConns: 50,
      maxIdleConns: 5,
      connMaxLifetimeMs: 3_600_000,
      disableMigration: true,
      tls: {
        rootCaPath: '/etc/spire/db-ca.pem',
        clientCertPath: '/etc/spire/db.crt',
        clientKeyPath: '/etc/spire/db.key',
      },
    });
  });

  it('takes a libpq keyword/value string for postgres; conn_max_lifetime 0 is unlimited', () => {
    const { config } = parseServerConfig(
      withDataStore(`database_type = "postgres"
      connection_string = "dbname=spire user=spire host=127.0.0.1 sslmode=disable"
      conn_max_lifetime = "0s"`),
    );
    expect(config.plugins.dataStore).toEqual({
      databaseType: 'postgres',
      connectionString: 'dbname=spire user=spire host=127.0.0.1 sslmode=disable',
    });
  });

  it('refuses the MySQL TLS keys with another database type and a read replica with sqlite3', () => {
    expect(() =>
      parseServerConfig(
        withDataStore(`database_type = "postgres"
      connection_string = "dbname=spire"
      root_ca_path = "/ca.pem"`),
      ),
    ).toThrow(
      'root_ca_path, client_cert_path and client_key_path apply to database_type "mysql" only (for postgres put sslrootcert, sslcert and sslkey in connection_string)',
    );
    expect(() =>
      parseServerConfig(
        withDataStore(`database_type = "sqlite3"
      connection_string = "/d/ds.sqlite3"
      ro_connection_string = "/d/other.sqlite3"`),
      ),
    ).toThrow(/ro_connection_string \(line \d+, column \d+\): is not applicable to sqlite3/);
  });

  it('checks the value types', () => {
    expect(() =>
      parseServerConfig(
        withDataStore(`database_type = "mysql"
      connection_string = "u@/db"
      max_idle_conns = -1
      conn_max_lifetime = "forever"
      disable_migration = "yes"`),
      ),
    ).toThrow(/max_idle_conns .*conn_max_lifetime .*invalid duration "forever".*disable_migration /s);
  });
});
