import { conflict } from '../../common/errors/app-error';
import { FILES_TABLE, isFileField } from './file-fields';
import type { SchemaDdl } from './schema.ddl';
import type { FieldDef } from './schema.types';

/**
 * The foreign key of a file field to the files table: a deleted file leaves the field null rather than
 * pointing at nothing. The key knows no workspace (the files of every workspace share the table), so
 * writes check that a file is the workspace's own (see files/file-values.participant.ts).
 */
export async function addFileKey(ddl: SchemaDdl, table: string, field: FieldDef): Promise<void> {
  await ddl.addForeignKey(table, field, FILES_TABLE, 'SET NULL');
}

/** A file field keeps its type: its foreign key cannot become another type's column, nor another column a file field. */
export function assertFileFieldChange(current: FieldDef, next: FieldDef): void {
  if (isFileField(current) !== isFileField(next)) {
    throw conflict(`"${current.field}" cannot change between a file field and a field of another type; add a new field instead.`, { field: 'type' });
  }
}
