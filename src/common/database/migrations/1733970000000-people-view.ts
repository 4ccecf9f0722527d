import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `cairn_people`: the app users and the platform accounts as one read-only table of the columns any
 * reader of an item may be shown of its author (see schema/users.collection.ts), never a password hash
 * or a status. Fields that relate to users (created_by, updated_by, app_user and member fields) are
 * read through it, so a user's secrets are not even in the table the statements reach.
 */
export class PeopleView1733970000000 implements MigrationInterface {
  name = 'PeopleView1733970000000';

  async up(runner: QueryRunner): Promise<void> {
    const type = runner.connection.options.type;
    // MariaDB/MySQL refuse to unite columns and literals of different collations: each text column is
    // given one explicitly there. Elsewhere a typed NULL lets PostgreSQL unite the two branches.
    const text = type === 'mysql' || type === 'mariadb' ? (sql: string) => `CAST(${sql} AS CHAR(255) CHARACTER SET utf8mb4) COLLATE utf8mb4_bin` : (sql: string) => (sql === 'NULL' ? 'CAST(NULL AS VARCHAR(255))' : sql);
    const row = (kind: string, name: string) => `SELECT ${text('id')} AS id, ${text(`'${kind}'`)} AS kind, ${text('email')} AS email, ${text(name)} AS name`;
    await runner.query(`CREATE VIEW cairn_people AS ${row('app_user', 'NULL')} FROM cairn_app_users UNION ALL ${row('member', 'name')} FROM cairn_users`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP VIEW cairn_people');
  }
}
