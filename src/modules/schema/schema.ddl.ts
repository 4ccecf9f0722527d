import { createHash } from 'node:crypto';
import { QueryRunner, Table, TableColumn, TableColumnOptions, TableForeignKey } from 'typeorm';
import type { DatabaseKind } from '../../config/app-config';
import { ColumnShape, fieldType } from './field-types';
import { columnIsNullable, indexColumnSql } from './index-order';
import type { CollectionDef, FieldDef, OnDelete } from './schema.types';

const collations = new WeakMap<object, Promise<string>>();

/**
 * The binary, no-pad collation of the server: text columns compare byte for byte, trailing spaces
 * included, as on PostgreSQL and SQLite. MariaDB calls it utf8mb4_nopad_bin, MySQL 8 utf8mb4_0900_bin.
 */
function binaryCollation(runner: QueryRunner): Promise<string> {
  let known = collations.get(runner.connection);
  if (!known) {
    known = (runner.query('SELECT VERSION() AS version') as Promise<Array<{ version: string }>>).then(([row]) =>
      /mariadb/i.test(row.version) ? 'utf8mb4_nopad_bin' : 'utf8mb4_0900_bin',
    );
    collations.set(runner.connection, known);
    known.catch(() => collations.delete(runner.connection));
  }
  return known;
}

/**
 * The collation of Cairn's text columns on PostgreSQL: code point order, as Cairn sorts text, so that
 * a plain ORDER BY and an index on the column agree (the database's default, en_US and the like, sorts
 * linguistically). Equality is the same under both: PostgreSQL's default collations are deterministic.
 */
export const POSTGRES_TEXT_COLLATION = 'C';

/** A short, stable name for an index or constraint; identifiers are capped at 63 characters in PostgreSQL. */
export function constraintName(prefix: 'ix' | 'uq' | 'fk', table: string, column: string): string {
  return `${prefix}_${createHash('sha1').update(`${table}.${column}`).digest('hex').slice(0, 24)}`;
}

function sqlType(shape: ColumnShape, kind: DatabaseKind): string {
  const type = kind === 'postgres' && shape.type === 'int' ? 'integer' : String(shape.type);
  if (shape.length) return `${type}(${shape.length})`;
  if (shape.precision !== undefined && shape.precision !== null) return `${type}(${shape.precision}${shape.scale !== undefined && shape.scale !== null ? `,${shape.scale}` : ''})`;
  return type;
}

/**
 * Real DDL for collections and fields through TypeORM's QueryRunner, the same on the three databases.
 * Columns of user fields are nullable: `required` and defaults are enforced by the write path, so that
 * adding a required field to a table with rows never fails halfway.
 */
export class SchemaDdl {
  private constructor(
    private readonly runner: QueryRunner,
    private readonly kind: DatabaseKind,
    /**
     * The collation of text columns: binary on MySQL, code point ("C") on PostgreSQL; none on SQLite,
     * whose default BINARY collation already compares and sorts byte for byte.
     */
    private readonly textCollation: string | undefined,
  ) {}

  static async create(runner: QueryRunner, kind: DatabaseKind): Promise<SchemaDdl> {
    const collation = kind === 'mysql' ? await binaryCollation(runner) : kind === 'postgres' ? POSTGRES_TEXT_COLLATION : undefined;
    return new SchemaDdl(runner, kind, collation);
  }

  column(field: FieldDef): TableColumnOptions {
    const shape = fieldType(field.type).column(field, this.kind);
    return { name: field.field, ...shape, ...this.collationOf(field), isNullable: columnIsNullable(field) };
  }

  private collationOf(field: FieldDef): Pick<TableColumnOptions, 'collation'> {
    return this.textCollation && fieldType(field.type).textual ? { collation: this.textCollation } : {};
  }

  private primaryKeyColumn(collection: CollectionDef): TableColumnOptions {
    return collection.primaryKey === 'integer'
      ? { name: 'id', type: this.kind === 'sqlite' ? 'integer' : 'int', isPrimary: true, isGenerated: true, generationStrategy: 'increment' }
      : { name: 'id', type: 'varchar', length: '36', isPrimary: true, ...(this.textCollation ? { collation: this.textCollation } : {}) };
  }

  async createTable(collection: CollectionDef): Promise<void> {
    const userFields = collection.fields.filter((field) => !field.system);
    await this.runner.createTable(
      new Table({
        name: collection.table,
        columns: [
          this.primaryKeyColumn(collection),
          ...collection.fields.filter((field) => !field.primaryKey).map((field) => this.column(field)),
        ],
      }),
    );
    for (const field of userFields) await this.createIndices(collection.table, field, false);
  }

  async dropTable(table: string): Promise<void> {
    await this.runner.dropTable(table, true, true, true);
  }

  async addColumn(table: string, field: FieldDef): Promise<void> {
    await this.runner.addColumn(table, new TableColumn(this.column(field)));
    await this.createIndices(table, field, false);
  }

  async dropColumn(table: string, column: string): Promise<void> {
    await this.dropIndices(table, column);
    await this.runner.dropColumn(table, column);
  }

  /**
   * All three databases have RENAME COLUMN (PostgreSQL, MariaDB 10.5+, SQLite 3.25+). TypeORM's own
   * rename rebuilds the column definition from introspection, which misreads MariaDB's defaults.
   */
  async renameColumn(table: string, from: string, to: string): Promise<void> {
    const quote = (name: string) => this.runner.connection.driver.escape(name);
    await this.runner.query(`ALTER TABLE ${quote(table)} RENAME COLUMN ${quote(from)} TO ${quote(to)}`);
  }

  /** Changes a column's type keeping its values (TypeORM's changeColumn would drop and re-add it). */
  async changeType(table: string, before: FieldDef, after: FieldDef): Promise<void> {
    const target = fieldType(after.type).column(after, this.kind);
    const quote = (name: string) => this.runner.connection.driver.escape(name);
    switch (this.kind) {
      case 'postgres': {
        const type = sqlType(target, this.kind);
        const column = quote(before.field);
        const using = type === 'jsonb' ? `to_jsonb(${column})` : before.type === 'boolean' ? `(${column})::int::${type}` : `${column}::${type}`;
        // A new type takes the database's default collation unless told, which would undo code point order.
        const collation = this.collationOf(after).collation;
        await this.runner.query(`ALTER TABLE ${quote(table)} ALTER COLUMN ${column} TYPE ${type}${collation ? ` COLLATE "${collation}"` : ''} USING ${using}`);
        break;
      }
      case 'mysql': {
        const collation = this.collationOf(after).collation;
        await this.runner.query(`ALTER TABLE ${quote(table)} MODIFY COLUMN ${quote(before.field)} ${sqlType(target, this.kind)}${collation ? ` COLLATE ${collation}` : ''} NULL`);
        break;
      }
      case 'sqlite': {
        // SQLite cannot alter a column; TypeORM rebuilds the table and copies every row across.
        const current = await this.runner.getTable(table);
        const old = current!.findColumnByName(before.field)!;
        await this.runner.changeColumn(current!, old, new TableColumn(this.column(after)));
        break;
      }
    }
  }

  /** Makes the unique and plain indexes of a column match its field definition (and its foreign key). */
  async syncIndices(table: string, field: FieldDef): Promise<void> {
    const keyed = await this.dropIndices(table, field.field);
    await this.createIndices(table, field, keyed);
  }

  /**
   * A foreign key, and an index on its column unless the field has one: without it, reading a parent's
   * children (one-to-many expansion, relation filters, ON DELETE) scans the child table. MySQL makes
   * one for the key on its own.
   */
  async addForeignKey(table: string, field: FieldDef, relatedTable: string, onDelete: OnDelete): Promise<void> {
    await this.runner.createForeignKey(
      table,
      new TableForeignKey({ name: constraintName('fk', table, field.field), columnNames: [field.field], referencedTableName: relatedTable, referencedColumnNames: ['id'], onDelete }),
    );
    if (this.kind !== 'mysql' && !field.index && !field.unique) await this.createIndex(table, field, false, { ifMissing: true });
  }

  async dropForeignKey(table: string, column: string): Promise<void> {
    const current = await this.runner.getTable(table);
    for (const key of current?.foreignKeys.filter((fk) => fk.columnNames.includes(column)) ?? []) {
      await this.runner.dropForeignKey(current!, key);
    }
  }

  /**
   * The index of a field's column: unique, plain for `index` or for a foreign key (`keyed`; MySQL has
   * its own for that), or none.
   */
  private async createIndices(table: string, field: FieldDef, keyed: boolean): Promise<void> {
    if (field.unique) await this.createIndex(table, field, true);
    else if (field.index || (keyed && this.kind !== 'mysql')) await this.createIndex(table, field, false);
  }

  /**
   * One single-column index, its column in the order Cairn sorts (see index-order.ts), so that it
   * serves ascending and descending sorts alike. Named by table and column, so that it can be found
   * again whatever made it.
   */
  async createIndex(table: string, field: FieldDef, unique: boolean, options: { ifMissing?: boolean } = {}): Promise<void> {
    const quote = (name: string) => this.runner.connection.driver.escape(name);
    const name = quote(constraintName(unique ? 'uq' : 'ix', table, field.field));
    const column = indexColumnSql(field, 'asc', this.kind, quote);
    await this.runner.query(`CREATE ${unique ? 'UNIQUE ' : ''}INDEX ${options.ifMissing ? 'IF NOT EXISTS ' : ''}${name} ON ${quote(table)} (${column})`);
  }

  /**
   * Drops the single-column indexes on a column, found by column so renames do not lose track of them.
   * Answers whether the column holds a foreign key.
   */
  private async dropIndices(table: string, column: string): Promise<boolean> {
    const current = await this.runner.getTable(table);
    const keyed = current?.foreignKeys.some((fk) => fk.columnNames.includes(column)) ?? false;
    const indices = current?.indices.filter((index) => index.columnNames.length === 1 && index.columnNames[0] === column) ?? [];
    for (const index of indices) {
      // On MySQL an index that backs a foreign key cannot be dropped while the key exists.
      if (this.kind === 'mysql' && keyed) continue;
      await this.runner.dropIndex(current!, index);
    }
    return keyed;
  }
}
