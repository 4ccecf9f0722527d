import { Injectable, OnModuleInit } from '@nestjs/common';
import { Database } from '../../common/database/database.service';
import type { DatabaseKind } from '../../config/app-config';
import { insertedKeyAsText, insertedRowAsJson } from '../../engine/write/write.sql';
import type { WriteIntent, WriteParticipant, WritePlan, WrittenChange } from '../write-participants/write-participant';
import { WriteParticipants } from '../write-participants/write-participants';
import { deltaOf, recordRevisions, REVISION_COLUMNS, RevisionEntry, revisionRow } from './revision.recorder';

/** The revisions' part of a write: one revision per item, linked to its activity entry, with the stored row. */
export function revisionsPlan(kind: DatabaseKind): WritePlan {
  return {
    needsRows: true,
    record: (tx, change) => recordRevisions(tx, kind, { workspaceId: change.workspaceId, collection: change.collection.name }, revisionEntries(change)),
    statement: (create) => {
      const { dialect, collection } = create;
      const revised = { workspaceId: create.workspaceId, collection: collection.name };
      const row = revisionRow(kind, revised, { activity: create.entry, item: null, data: {}, delta: {} });
      return {
        // The data is the stored row turned into JSON by the SQL form of the value codec, so it equals
        // what a read answers; the delta, the fields the caller gave.
        rows: [
          {
            table: 'cairn_revisions',
            columns: REVISION_COLUMNS,
            values: row,
            fromInserted: { item: () => insertedKeyAsText(dialect), data: () => insertedRowAsJson(dialect, collection.fields), delta: () => insertedRowAsJson(dialect, create.written) },
          },
        ],
        variant: create.written.map((field) => field.field).join(','),
      };
    },
  };
}

/** One entry per key of the change; a delete's keeps the item as it was, with no delta. */
function revisionEntries(change: WrittenChange): RevisionEntry[] {
  const stored = change.rows ?? [];
  const written = change.groups.flatMap((group) => group.keys.map(() => (group.payload ? Object.keys(group.payload) : null)));
  return change.keys.map((item, index) => ({ activity: change.entries[index], item, data: stored[index] ?? {}, delta: written[index] ? deltaOf(stored[index] ?? {}, written[index]) : null }));
}

/**
 * Joins revisions to the writes of Cairn's own tables. Not to a table of an external database: its
 * stored rows are there, outside the transaction the revisions are written in.
 */
@Injectable()
export class RevisionsParticipant implements WriteParticipant, OnModuleInit {
  readonly order = 20;
  private readonly plan: WritePlan;

  constructor(
    db: Database,
    private readonly participants: WriteParticipants,
  ) {
    this.plan = revisionsPlan(db.kind);
  }

  onModuleInit(): void {
    this.participants.register(this);
  }

  prepare(intent: WriteIntent): WritePlan | null {
    return intent.collection.external ? null : this.plan;
  }
}
