import { describeConformance } from './conformance';
import { MysqlDatabases } from './mysql-databases';

const databases = new MysqlDatabases(true);

describe('DataStore on MySQL/MariaDB', () => {
  describeConformance({
    multiConnection: true,
    newDatabase: () => databases.create(),
    cleanup: () => databases.dropAll(),
  });
});
