import { EntityManager } from 'typeorm';
import { v7 as timeOrderedUuid } from 'uuid';
import type { ItemAction } from '../../common/bus/items-changed';
import type { DatabaseKind } from '../../config/app-config';
import { dialectFor } from '../../engine/sql/dialect';
import type { CompiledSql } from '../../engine/sql/select.compiler';
import { logInsertStatement } from '../../engine/write/write.sql';
import { datetimeToDatabase } from '../../engine/sql/value-codec';
import { actorId, Principal } from '../../common/principal/principal';

import type { RequestOrigin } from '../write-participants/write-participant';

export type { ItemAction, RequestOrigin };

/** The origin of an HTTP request or a WebSocket handshake: its client address and user agent. */
export function requestOrigin(request: { ip?: string; headers: Record<string, string | string[] | undefined> }): RequestOrigin {
  const agent = request.headers['user-agent'];
  return { ip: request.ip ?? null, userAgent: typeof agent === 'string' ? agent : null };
}

/**
 * Writes activity rows inside the caller's transaction, so the log and the change commit together,
 * and answers their ids in the order of the items (revisions link to them). `ids` gives them, one per
 * item; otherwise they are made here. Timestamps are written as the value codec writes datetimes,
 * because the log is read and filtered through the same query compiler as items.
 */
export async function recordActivity(manager: EntityManager, kind: DatabaseKind, entry: ActivityEntry, ids?: string[]): Promise<string[]> {
  if (entry.items.length === 0) return [];
  const statement = activityStatement(kind, entry, ids);
  await manager.query(statement.sql, statement.params);
  return statement.ids;
}

/** The one multi-row INSERT of an entry's activity rows: it runs on every write, where a query builder's overhead shows. */
export function activityStatement(kind: DatabaseKind, entry: ActivityEntry, ids?: string[], at: string = datetimeToDatabase(new Date(), kind)): CompiledSql & { ids: string[] } {
  // One moment for the whole write: its rows were written together.
  const rows = entry.items.map((item, index) => activityRow(kind, entry, item, at, ids?.[index]));
  return { ...logInsertStatement(dialectFor(kind), 'cairn_activity', ACTIVITY_COLUMNS, rows), ids: rows.map((row) => row[0] as string) };
}

export interface ActivityEntry {
  workspaceId: string;
  action: ItemAction;
  collection: string;
  items: unknown[];
  /** Null for an anonymous caller. */
  principal: Principal | null;
  origin: RequestOrigin;
}

/** The activity table's columns, in the order of activityRow's values. */
export const ACTIVITY_COLUMNS = ['id', 'workspace_id', 'action', 'collection', 'item', 'actor_type', 'actor_id', 'ip', 'user_agent', 'created_at'];

/** The values of one activity row, for one item of an entry, in ACTIVITY_COLUMNS order. */
export function activityRow(kind: DatabaseKind, entry: Omit<ActivityEntry, 'items'>, item: unknown, at: string = datetimeToDatabase(new Date(), kind), id: string = timeOrderedUuid()): unknown[] {
  return [
    // Time-ordered ids land at the end of the primary key's index, where random ones would touch a
    // page anywhere in it on every write.
    id,
    entry.workspaceId,
    entry.action,
    entry.collection,
    String(item),
    entry.principal?.kind ?? 'anonymous',
    entry.principal ? actorId(entry.principal) : null,
    entry.origin.ip?.slice(0, 64) ?? null,
    entry.origin.userAgent?.slice(0, 255) ?? null,
    at,
  ];
}
