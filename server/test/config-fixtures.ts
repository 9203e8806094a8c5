/** A minimal valid `server.conf` for config tests: SQLite datastore, memory key manager. */
export const minimalServerConf = (extraServer = '', extraPlugins = ''): string => `
server {
  trust_domain = "example.org"
  data_dir = "/var/lib/lanyard"
${extraServer}
}
plugins {
  DataStore "sql" {
    plugin_data {
      database_type = "sqlite3"
      connection_string = "/var/lib/lanyard/datastore.sqlite3"
    }
  }
  KeyManager "memory" {}
${extraPlugins}
}
`;
