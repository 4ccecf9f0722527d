import { MigrationInterface, QueryRunner, Table, TableIndex } from 'typeorm';
import { cascadingKey as cascade, portableColumns } from '../column-types';

/** Sandboxed JavaScript handlers (hooks and custom endpoints) and the log of their runs. */
export class Handlers1733100000000 implements MigrationInterface {
  name = 'Handlers1733100000000';

  async up(runner: QueryRunner): Promise<void> {
    const c = portableColumns(runner.connection.options.type);

    await runner.createTable(
      new Table({
        name: 'cairn_handlers',
        columns: [
          c.id(),
          c.uuid('workspace_id'),
          c.string('name', 128),
          // before, after or endpoint.
          c.string('kind', 16),
          // Hooks: the collection and the events (JSON list of create, update, delete).
          c.string('collection', 64, true),
          c.text('events', true),
          // Endpoints: the method and the path pattern under /custom, such as /orders/:id/summary.
          c.string('method', 8, true),
          c.string('path', 512, true),
          c.text('code'),
          c.boolean('enabled', true),
          { name: 'timeout_ms', type: 'integer', isNullable: true },
          { name: 'memory_mb', type: 'integer', isNullable: true },
          c.timestamp('created_at'),
          c.timestamp('updated_at'),
        ],
        foreignKeys: [cascade('cairn_handlers', 'workspace_id', 'cairn_workspaces')],
        indices: [new TableIndex({ name: 'ix_cairn_handlers_workspace', columnNames: ['workspace_id'] })],
      }),
    );

    await runner.createTable(
      new Table({
        name: 'cairn_handler_runs',
        columns: [
          // Time-ordered (UUIDv7): the newest runs of a handler are the last keys of its index.
          c.id(),
          c.uuid('handler_id'),
          // ok, error, timeout, memory or crash.
          c.string('status', 16),
          c.integer('duration_ms'),
          c.text('logs'),
          c.text('error', true),
          c.timestamp('created_at'),
        ],
        foreignKeys: [cascade('cairn_handler_runs', 'handler_id', 'cairn_handlers')],
        indices: [new TableIndex({ name: 'ix_cairn_handler_runs_handler', columnNames: ['handler_id', 'id'] })],
      }),
    );
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.dropTable('cairn_handler_runs');
    await runner.dropTable('cairn_handlers');
  }
}
