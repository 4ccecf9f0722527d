import { EntityManager } from 'typeorm';
import { v7 as timeOrderedUuid } from 'uuid';
import type { DatabaseKind } from '../../config/app-config';
import { dialectFor } from '../../engine/sql/dialect';
import type { CompiledSql } from '../../engine/sql/select.compiler';
import { logInsertStatement } from '../../engine/write/write.sql';
import { datetimeToDatabase } from '../../engine/sql/value-codec';

type Row = Record<string, unknown>;

/** The changed collection of a workspace that a set of revisions belongs to. */
export interface RevisedCollection {
  workspaceId: string;
  collection: string;
}

/** One item's revision: its activity row, its key, the item as stored after the change, what was written. */
export interface RevisionEntry {
  activity: string;
  item: unknown;
  /** The stored row after the change (before it, for a delete), decoded by the value codec as reads are. */
  data: Row;
  /** The values the change wrote, as stored; null for a delete. */
  delta: Row | null;
}

/** The revisions table's columns, in the order of revisionRow's values. */
export const REVISION_COLUMNS = ['id', 'activity', 'workspace_id', 'collection', 'item', 'data', 'delta', 'created_at'];

/**
 * Writes revision rows inside the caller's transaction, with one multi-row INSERT as activity rows are,
 * so an item's history commits or rolls back with its change.
 */
export async function recordRevisions(manager: EntityManager, kind: DatabaseKind, revised: RevisedCollection, entries: RevisionEntry[]): Promise<void> {
  if (entries.length === 0) return;
  const statement = revisionsStatement(kind, revised, entries);
  await manager.query(statement.sql, statement.params);
}

/** The one multi-row INSERT of a change's revisions; one moment for the whole write, as its activity rows have. */
export function revisionsStatement(kind: DatabaseKind, revised: RevisedCollection, entries: RevisionEntry[], at: string = datetimeToDatabase(new Date(), kind)): CompiledSql {
  const rows = entries.map((entry) => revisionRow(kind, revised, entry, at));
  return logInsertStatement(dialectFor(kind), 'cairn_revisions', REVISION_COLUMNS, rows);
}

/** The values of one revision row, in REVISION_COLUMNS order; `data` and `delta` as JSON text. */
export function revisionRow(kind: DatabaseKind, revised: RevisedCollection, entry: RevisionEntry, at: string = datetimeToDatabase(new Date(), kind)): unknown[] {
  return [
    // Time-ordered, as activity ids are: the table only grows, at the end of its primary key's index.
    timeOrderedUuid(),
    entry.activity,
    revised.workspaceId,
    revised.collection,
    String(entry.item),
    JSON.stringify(entry.data),
    entry.delta === null ? null : JSON.stringify(entry.delta),
    at,
  ];
}

/** The delta of a change: the fields it wrote, with their values as stored (a decimal rounded, say). */
export function deltaOf(data: Row, written: string[]): Row {
  const delta: Row = {};
  for (const name of written) if (name in data) delta[name] = data[name];
  return delta;
}
