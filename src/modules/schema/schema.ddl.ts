import { createHash } from 'node:crypto';
import { QueryRunner, Table, TableColumn, TableColumnOptions, TableForeignKey } from 'typeorm';
import type { DatabaseKind } from '../../config/app-config';
import { ColumnShape, fieldType } from './field-types';
import { columnIsNullable, indexColumnSql } from './index-order';
import { findField } from './schema.lookup';
import type { CollectionDef, FieldDef, IndexDef, OnDelete } from './schema.types';

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

/**
 * The database's name of a composite index. The API's name is unique per collection only, while index
 * names are shared by a whole schema on PostgreSQL and a whole database on SQLite: so it is hashed with
 * the table, which already sets workspaces apart.
 */
export function compositeIndexName(table: string, name: string): string {
  return `cx_${createHash('sha1').update(`${table}.${name}`).digest('hex').slice(0, 24)}`;
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
    await this.keepingIndexOrder(table, () => this.runner.addColumn(table, new TableColumn(this.column(field))));
    await this.createIndices(table, field, false);
  }

  async dropColumn(table: string, column: string): Promise<void> {
    await this.dropIndices(table, column);
    await this.keepingIndexOrder(table, () => this.runner.dropColumn(table, column));
  }

  /**
   * Creates a composite index, each column in the order Cairn sorts it (see index-order.ts). Raw DDL:
   * TypeORM's TableIndex has no per-column direction or NULLS placement.
   */
  async createCompositeIndex(collection: CollectionDef, index: IndexDef): Promise<void> {
    const quote = (name: string) => this.runner.connection.driver.escape(name);
    const columns = index.fields.map((column) => indexColumnSql(findField(collection, column.field)!, column.descending ? 'desc' : 'asc', this.kind, quote));
    await this.runner.query(`CREATE ${index.unique ? 'UNIQUE ' : ''}INDEX ${quote(compositeIndexName(collection.table, index.name))} ON ${quote(collection.table)} (${columns.join(', ')})`);
  }

  async dropCompositeIndex(table: string, index: IndexDef): Promise<void> {
    const quote = (identifier: string) => this.runner.connection.driver.escape(identifier);
    const name = compositeIndexName(table, index.name);
    if (this.kind !== 'mysql') {
      await this.runner.query(`DROP INDEX ${quote(name)}`);
      return;
    }
    // InnoDB drops the index it made for a foreign key once another index starts with the key's column,
    // and then refuses to drop that other one: give the key its own index back in the same statement.
    const lead = index.fields[0].field;
    const [key] = (await this.runner.query(
      'SELECT constraint_name AS name FROM information_schema.key_column_usage WHERE table_schema = DATABASE() AND table_name = ? AND column_name = ? AND referenced_table_name IS NOT NULL',
      [table, lead],
    )) as Array<{ name: string }>;
    const [other] = (await this.runner.query(
      'SELECT index_name AS name FROM information_schema.statistics WHERE table_schema = DATABASE() AND table_name = ? AND column_name = ? AND seq_in_index = 1 AND index_name <> ?',
      [table, lead, name],
    )) as Array<{ name: string }>;
    const keyIndex = key && !other ? `, ADD INDEX ${quote(key.name)} (${quote(lead)})` : '';
    await this.runner.query(`ALTER TABLE ${quote(table)} DROP INDEX ${quote(name)}${keyIndex}`);
  }

  /**
   * Runs a TypeORM change that rebuilds a SQLite table (adding, dropping or retyping a column, foreign
   * keys), then restores its indexes from the statements that made them: TypeORM recreates them from
   * introspection, which knows their columns but not their directions. Elsewhere the work runs as is.
   */
  private async keepingIndexOrder(table: string, work: () => Promise<unknown>): Promise<void> {
    if (this.kind !== 'sqlite') {
      await work();
      return;
    }
    const made = (await this.runner.query(`SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL`, [table])) as Array<{ name: string; sql: string }>;
    await work();
    const quote = (name: string) => this.runner.connection.driver.escape(name);
    const kept = new Set(((await this.runner.query(`SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = ?`, [table])) as Array<{ name: string }>).map((row) => row.name));
    for (const index of made.filter((candidate) => kept.has(candidate.name))) {
      await this.runner.query(`DROP INDEX ${quote(index.name)}`);
      await this.runner.query(index.sql);
    }
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
        await this.keepingIndexOrder(table, () => this.runner.changeColumn(current!, old, new TableColumn(this.column(after))));
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
    const key = new TableForeignKey({ name: constraintName('fk', table, field.field), columnNames: [field.field], referencedTableName: relatedTable, referencedColumnNames: ['id'], onDelete });
    await this.keepingIndexOrder(table, () => this.runner.createForeignKey(table, key));
    if (this.kind !== 'mysql' && !field.index && !field.unique) await this.createIndex(table, field, false, { ifMissing: true });
  }

  async dropForeignKey(table: string, column: string): Promise<void> {
    const current = await this.runner.getTable(table);
    for (const key of current?.foreignKeys.filter((fk) => fk.columnNames.includes(column)) ?? []) {
      await this.keepingIndexOrder(table, () => this.runner.dropForeignKey(current!, key));
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
    // A composite index of one column (cx_…) is the registry's, kept or dropped with its own entry.
    const indices = current?.indices.filter((index) => index.columnNames.length === 1 && index.columnNames[0] === column && !index.name?.startsWith('cx_')) ?? [];
    for (const index of indices) {
      // On MySQL an index that backs a foreign key cannot be dropped while the key exists.
      if (this.kind === 'mysql' && keyed) continue;
      await this.runner.dropIndex(current!, index);
    }
    return keyed;
  }
}
