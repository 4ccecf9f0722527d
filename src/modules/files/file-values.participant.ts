import { Injectable, OnModuleInit } from '@nestjs/common';
import { Database } from '../../common/database/database.service';
import { invalidPayload } from '../../common/errors/app-error';
import { dialectFor, SqlDialect } from '../../engine/sql/dialect';
import { FILES_TABLE, isFileField } from '../schema/file-fields';
import type { FieldDef } from '../schema/schema.types';
import type { PendingWrite, WriteIntent, WriteParticipant, WritePlan } from '../write-participants/write-participant';
import { WriteParticipants } from '../write-participants/write-participants';

/**
 * Holds the values of file fields to the workspace's own files. The foreign key refuses an id that is
 * no file at all, but the files of every workspace share one table, so it would let a write name
 * another workspace's file, and then read its metadata and bytes through the item: an id that is not a
 * file of this workspace is refused alike, 400 naming the field, before the write's transaction.
 */
@Injectable()
export class FileValuesParticipant implements WriteParticipant, OnModuleInit {
  /** After the handlers' before hooks (50), which may rewrite the values. */
  readonly order = 60;
  private readonly dialect: SqlDialect;

  constructor(
    private readonly db: Database,
    private readonly participants: WriteParticipants,
  ) {
    this.dialect = dialectFor(db.kind);
  }

  onModuleInit(): void {
    this.participants.register(this);
  }

  prepare(intent: WriteIntent): WritePlan | null {
    if (intent.action === 'delete' || intent.collection.external) return null;
    const fields = intent.collection.fields.filter(isFileField);
    if (fields.length === 0) return null;
    return { before: (write) => this.check(write, fields).then(() => false) };
  }

  private async check(write: PendingWrite, fields: FieldDef[]): Promise<void> {
    for (const field of fields) {
      const named = [...new Set(write.payloads.map((payload) => payload[field.field]).filter((value): value is string => typeof value === 'string'))];
      if (named.length === 0) continue;
      const found = new Set(await this.filesOf(write.workspaceId, named));
      const missing = named.find((id) => !found.has(id));
      if (missing !== undefined) throw invalidPayload(`Invalid payload: "${missing}" is not a file of this workspace.`, field.field);
    }
  }

  /** Which of these ids are files of the workspace. */
  private async filesOf(workspaceId: string, ids: string[]): Promise<string[]> {
    const q = (name: string) => this.dialect.quote(name);
    const list = ids.map((_, index) => this.dialect.placeholder(index + 2)).join(', ');
    const sql = `SELECT ${q('id')} AS id FROM ${q(FILES_TABLE)} WHERE ${q('workspace_id')} = ${this.dialect.placeholder(1)} AND ${q('id')} IN (${list})`;
    const rows = (await this.db.read(sql, [workspaceId, ...ids])) as Array<{ id: string }>;
    return rows.map((row) => String(row.id));
  }
}
