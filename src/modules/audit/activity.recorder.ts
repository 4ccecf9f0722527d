import { randomUUID } from 'node:crypto';
import { EntityManager } from 'typeorm';
import type { DatabaseKind } from '../../config/app-config';
import { dialectFor } from '../data/sql/dialect';
import { datetimeToDatabase } from '../data/sql/value-codec';
import type { Principal } from '../auth/principal';

export type ItemAction = 'create' | 'update' | 'delete';

/** Where a request came from, for the activity log. */
export interface RequestOrigin {
  ip: string | null;
  userAgent: string | null;
}

/**
 * Writes activity rows inside the caller's transaction, so the log and the change commit together.
 * Timestamps are written as the value codec writes datetimes, because the log is read and filtered
 * through the same query compiler as items.
 */
export async function recordActivity(
  manager: EntityManager,
  kind: DatabaseKind,
  entry: { workspaceId: string; action: ItemAction; collection: string; items: unknown[]; principal: Principal; origin: RequestOrigin },
): Promise<void> {
  if (entry.items.length === 0) return;
  const createdAt = datetimeToDatabase(new Date(), kind);
  const actorId = entry.principal.kind === 'user' ? entry.principal.userId : entry.principal.apiKeyId;
  const rows = entry.items.map((item) => [
    randomUUID(),
    entry.workspaceId,
    entry.action,
    entry.collection,
    String(item),
    entry.principal.kind,
    actorId,
    entry.origin.ip?.slice(0, 64) ?? null,
    entry.origin.userAgent?.slice(0, 255) ?? null,
    createdAt,
  ]);
  // One plain multi-row INSERT: it runs on every write, where a query builder's overhead shows.
  const dialect = dialectFor(kind);
  let position = 0;
  const values = rows.map((row) => `(${row.map(() => dialect.placeholder(++position)).join(', ')})`).join(', ');
  const columns = ACTIVITY_COLUMNS.map((column) => dialect.quote(column)).join(', ');
  await manager.query(`INSERT INTO ${dialect.quote('cairn_activity')} (${columns}) VALUES ${values}`, rows.flat());
}

const ACTIVITY_COLUMNS = ['id', 'workspace_id', 'action', 'collection', 'item', 'actor_type', 'actor_id', 'ip', 'user_agent', 'created_at'];
