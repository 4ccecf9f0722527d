import { MigrationInterface, QueryRunner, Table, TableColumnOptions, TableIndex } from 'typeorm';
import { cascadingKey as cascade, portableColumns } from '../column-types';

/**
 * Flows, and their runs: a run row is written in the transaction of the change that triggers it (or
 * by the scheduler, or a manual call), then claimed by one runner, which records each step in it.
 * A schedule's tick is unique per flow, so of several instances exactly one inserts it.
 */
export class Flows1733200000000 implements MigrationInterface {
  name = 'Flows1733200000000';

  async up(runner: QueryRunner): Promise<void> {
    const c = portableColumns(runner.connection.options.type);
    // A run's record grows with its steps; MariaDB's TEXT stops at 64 KiB.
    const longText = (name: string): TableColumnOptions => ({ name, type: runner.connection.options.type === 'mysql' ? 'longtext' : 'text', isNullable: false });

    await runner.createTable(
      new Table({
        name: 'cairn_flows',
        columns: [
          c.id(),
          c.uuid('workspace_id'),
          c.string('name', 128),
          c.boolean('enabled', true),
          // event, schedule or manual: the schedulers read only the scheduled flows.
          c.string('trigger_type', 16),
          // JSON: the trigger, the operations.
          c.text('trigger_options'),
          longText('operations'),
          c.string('first_operation', 64),
          c.timestamp('created_at'),
          c.timestamp('updated_at'),
        ],
        foreignKeys: [cascade('cairn_flows', 'workspace_id', 'cairn_workspaces')],
        indices: [
          new TableIndex({ name: 'ix_cairn_flows_workspace', columnNames: ['workspace_id', 'enabled'] }),
          new TableIndex({ name: 'ix_cairn_flows_trigger', columnNames: ['trigger_type', 'enabled'] }),
        ],
      }),
    );

    await runner.createTable(
      new Table({
        name: 'cairn_flow_runs',
        columns: [
          c.id(),
          c.uuid('flow_id'),
          c.uuid('workspace_id'),
          c.string('trigger_type', 16),
          // JSON: what `$trigger` holds, and the depth of flow-caused changes that led here.
          longText('trigger_data'),
          // pending, running, succeeded or failed.
          c.string('status', 16),
          // JSON: one entry per step run, in order.
          longText('steps'),
          c.text('error', true),
          // The tick of a scheduled run; null for the others (nulls never collide in a unique index).
          c.timestamp('scheduled_for', true),
          c.timestamp('claimed_until', true),
          c.timestamp('created_at'),
          c.timestamp('started_at', true),
          c.timestamp('finished_at', true),
        ],
        foreignKeys: [cascade('cairn_flow_runs', 'flow_id', 'cairn_flows')],
        indices: [
          new TableIndex({ name: 'ux_cairn_flow_runs_tick', columnNames: ['flow_id', 'scheduled_for'], isUnique: true }),
          new TableIndex({ name: 'ix_cairn_flow_runs_due', columnNames: ['status', 'created_at'] }),
          new TableIndex({ name: 'ix_cairn_flow_runs_flow', columnNames: ['flow_id', 'created_at'] }),
        ],
      }),
    );
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.dropTable('cairn_flow_runs');
    await runner.dropTable('cairn_flows');
  }
}
