import type { EntityManager } from 'typeorm';
import { conflict } from '../../common/errors/app-error';
import { FILES_TABLE, isFileField } from './file-fields';
import type { SchemaDdl } from './schema.ddl';
import type { FieldDef } from './schema.types';

/**
 * The foreign key of a file field to the files table: a deleted file leaves the field null rather than
 * pointing at nothing. The key knows no workspace (the files of every workspace share the table), so
 * writes check that a file is the workspace's own (see files/file-values.participant.ts).
 */
export async function addFileKey({ ddl, manager }: { ddl: SchemaDdl; manager: EntityManager }, table: string, field: FieldDef): Promise<void> {
  if (manager.connection.options.type === 'mysql' || manager.connection.options.type === 'mariadb') await takeFilesIdCollation(manager, table, field);
  await ddl.addForeignKey(table, field, FILES_TABLE, 'SET NULL');
}

/**
 * MySQL keys only columns of one collation, and the files' ids have the database's default while
 * Cairn's text columns are binary: the file field's column takes the ids' own. Ids are lowercase hex,
 * which every collation compares and orders alike, so reads see no difference.
 */
async function takeFilesIdCollation(manager: EntityManager, table: string, field: FieldDef): Promise<void> {
  const [referenced] = (await manager.query(
    'SELECT character_set_name AS charset, collation_name AS collation FROM information_schema.columns WHERE table_schema = DATABASE() AND table_name = ? AND column_name = ?',
    [FILES_TABLE, 'id'],
  )) as Array<{ charset: string; collation: string }>;
  const quote = (name: string) => manager.connection.driver.escape(name);
  await manager.query(`ALTER TABLE ${quote(table)} MODIFY COLUMN ${quote(field.field)} varchar(36) CHARACTER SET ${referenced.charset} COLLATE ${referenced.collation} NULL`);
}

/** A file field keeps its type: its foreign key cannot become another type's column, nor another column a file field. */
export function assertFileFieldChange(current: FieldDef, next: FieldDef): void {
  if (isFileField(current) !== isFileField(next)) {
    throw conflict(`"${current.field}" cannot change between a file field and a field of another type; add a new field instead.`, { field: 'type' });
  }
}
