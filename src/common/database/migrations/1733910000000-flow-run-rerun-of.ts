import { MigrationInterface, QueryRunner } from 'typeorm';

/** The run a run re-runs (with the same `$trigger`), for the runs log. */
export class FlowRunRerunOf1733910000000 implements MigrationInterface {
  name = 'FlowRunRerunOf1733910000000';

  // A plain ADD COLUMN, run in place by the three databases (TypeORM's addColumn rebuilds a SQLite table).
  async up(runner: QueryRunner): Promise<void> {
    await runner.query('ALTER TABLE cairn_flow_runs ADD COLUMN rerun_of varchar(36) NULL');
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('ALTER TABLE cairn_flow_runs DROP COLUMN rerun_of');
  }
}
