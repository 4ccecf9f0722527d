import { MigrationInterface, QueryRunner } from 'typeorm';
import type { DatabaseKind } from '../../../config/app-config';
import { fieldType } from '../field-types';
import { constraintName, POSTGRES_TEXT_COLLATION, SchemaDdl } from '../schema.ddl';
import type { StoredFieldOptions } from '../schema.registry';
import type { FieldDef, FieldTypeName, PrimaryKeyType } from '../schema.types';
import { systemFields } from '../system-fields';

interface CollectionRow {
  workspace_id: string;
  name: string;
  table_name: string;
  primary_key: PrimaryKeyType;
}

interface FieldRow {
  workspace_id: string;
  collection: string;
  field: string;
  type: string;
  options: string;
}

interface RelationRow {
  workspace_id: string;
  collection: string;
  field: string;
}

/**
 * Brings the tables of user collections made by earlier versions to the indexes Cairn builds now (see
 * ../index-order.ts), so that they serve the order Cairn sorts by:
 * - PostgreSQL: text columns get the code point collation "C", and the indexes of `index` and `unique`
 *   fields are rebuilt `NULLS FIRST` (a plain one is `NULLS LAST`, which Cairn's order never is);
 * - PostgreSQL and SQLite: every many-to-one column gets an index (MySQL made one with the key).
 * MySQL's tables had their binary collation and plain ascending indexes already. Each step looks at the
 * catalogue first, so running it again changes nothing.
 */
export class IndexOrder1733900000000 implements MigrationInterface {
  name = 'IndexOrder1733900000000';

  async up(runner: QueryRunner): Promise<void> {
    const kind = databaseKind(runner);
    if (kind === 'mysql') return;
    const ddl = await SchemaDdl.create(runner, kind);
    const collections = (await runner.query('SELECT workspace_id, name, table_name, primary_key FROM cairn_collections')) as CollectionRow[];
    const fields = (await runner.query('SELECT workspace_id, collection, field, type, options FROM cairn_fields')) as FieldRow[];
    const relations = (await runner.query('SELECT workspace_id, collection, field FROM cairn_relations')) as RelationRow[];
    for (const collection of collections) {
      const own = (row: { workspace_id: string; collection: string }) => row.workspace_id === collection.workspace_id && row.collection === collection.name;
      const defs = [...systemFields(collection.primary_key), ...fields.filter(own).map(fieldDefOf)];
      const table = collection.table_name;
      if (kind === 'postgres') {
        await useCodePointCollation(runner, table, defs);
        await rebuildPlainIndexes(runner, ddl, table, defs);
      }
      for (const relation of relations.filter(own)) {
        const key = defs.find((field) => field.field === relation.field);
        if (key && !key.index && !key.unique) await ddl.createIndex(table, key, false, { ifMissing: true });
      }
    }
  }

  // The new collation and index order serve the SQL of earlier versions as well as their own did.
  async down(): Promise<void> {}
}

function databaseKind(runner: QueryRunner): DatabaseKind {
  const type = runner.connection.options.type;
  if (type === 'postgres') return 'postgres';
  if (type === 'mysql' || type === 'mariadb') return 'mysql';
  return 'sqlite';
}

function fieldDefOf(row: FieldRow): FieldDef {
  return { field: row.field, type: row.type as FieldTypeName, system: false, primaryKey: false, ...(JSON.parse(row.options) as StoredFieldOptions) };
}

/** Text columns not yet in the "C" collation get it; PostgreSQL rebuilds their indexes as it goes. */
async function useCodePointCollation(runner: QueryRunner, table: string, fields: FieldDef[]): Promise<void> {
  const columns = (await runner.query(
    `SELECT column_name, data_type, character_maximum_length, collation_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1`,
    [table],
  )) as Array<{ column_name: string; data_type: string; character_maximum_length: number | null; collation_name: string | null }>;
  for (const field of fields.filter((f) => fieldType(f.type).textual)) {
    const column = columns.find((c) => c.column_name === field.field);
    if (!column || column.collation_name === POSTGRES_TEXT_COLLATION) continue;
    const type = column.data_type === 'character varying' ? `varchar${column.character_maximum_length === null ? '' : `(${column.character_maximum_length})`}` : column.data_type;
    await runner.query(`ALTER TABLE "${table}" ALTER COLUMN "${field.field}" TYPE ${type} COLLATE "${POSTGRES_TEXT_COLLATION}"`);
  }
}

/** The single-column indexes of `index` and `unique` fields, rebuilt when they put NULLs last. */
async function rebuildPlainIndexes(runner: QueryRunner, ddl: SchemaDdl, table: string, fields: FieldDef[]): Promise<void> {
  const indexes = (await runner.query('SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() AND tablename = $1', [table])) as Array<{
    indexname: string;
    indexdef: string;
  }>;
  for (const field of fields.filter((f) => f.index || f.unique)) {
    const name = constraintName(field.unique ? 'uq' : 'ix', table, field.field);
    const current = indexes.find((index) => index.indexname === name);
    if (current && / NULLS FIRST\)$/.test(current.indexdef)) continue;
    await ddl.syncIndices(table, field);
  }
}
