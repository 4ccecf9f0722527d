import { MigrationInterface, QueryRunner } from 'typeorm';

/** A policy's name, so that an explanation can say which rule decided ("policy "read published""). */
export class PolicyNames1733960000000 implements MigrationInterface {
  name = 'PolicyNames1733960000000';

  // A plain ADD COLUMN, run in place by the three databases (TypeORM's addColumn rebuilds a SQLite table).
  async up(runner: QueryRunner): Promise<void> {
    await runner.query('ALTER TABLE cairn_policies ADD COLUMN name varchar(100) NULL');
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('ALTER TABLE cairn_policies DROP COLUMN name');
  }
}
