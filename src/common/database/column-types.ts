import { TableColumnOptions, TableForeignKey } from 'typeorm';

type Driver = 'better-sqlite3' | 'postgres' | 'mysql' | string;

/**
 * Column definitions that mean the same on the three databases, for migrations. Ids are UUID strings
 * made by the application; timestamps keep milliseconds and are stored in UTC.
 */
export function portableColumns(driver: Driver) {
  const timestamp: Pick<TableColumnOptions, 'type' | 'precision'> =
    driver === 'postgres' ? { type: 'timestamptz', precision: 3 } : driver === 'mysql' ? { type: 'datetime', precision: 3 } : { type: 'datetime' };
  return {
    id: (name = 'id'): TableColumnOptions => ({ name, type: 'varchar', length: '36', isPrimary: true }),
    uuid: (name: string, nullable = false): TableColumnOptions => ({ name, type: 'varchar', length: '36', isNullable: nullable }),
    string: (name: string, length: number, nullable = false): TableColumnOptions => ({ name, type: 'varchar', length: String(length), isNullable: nullable }),
    text: (name: string, nullable = false): TableColumnOptions => ({ name, type: 'text', isNullable: nullable }),
    integer: (name: string): TableColumnOptions => ({ name, type: 'integer', isNullable: false }),
    boolean: (name: string, fallback: boolean): TableColumnOptions => ({ name, type: 'boolean', isNullable: false, default: driver === 'postgres' ? String(fallback) : fallback ? 1 : 0 }),
    timestamp: (name: string, nullable = false): TableColumnOptions => ({ name, ...timestamp, isNullable: nullable }),
    /** A JSON document, in the column type a json field of a collection gets, so the value codec reads both alike. */
    json: (name: string, nullable = false): TableColumnOptions => ({ name, type: driver === 'postgres' ? 'jsonb' : driver === 'mysql' ? 'json' : 'text', isNullable: nullable }),
  };
}

/** A foreign key from `table.column` to `referenced.id` whose rows go with the row they name. */
export function cascadingKey(table: string, column: string, referenced: string): TableForeignKey {
  return new TableForeignKey({ name: `fk_${table}_${column}`, columnNames: [column], referencedTableName: referenced, referencedColumnNames: ['id'], onDelete: 'CASCADE' });
}
