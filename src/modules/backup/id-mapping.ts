import { v5 as uuidv5 } from 'uuid';
import type { CollectionDef } from '../schema/schema.types';

type Row = Record<string, unknown>;

/** The rows whose ids are unique across the instance, not per workspace: they may already be taken. */
export type SharedKind = 'app_users' | 'folders' | 'files';

/**
 * The ids a restore gives to rows of tables the workspaces share (app users, folders, files) and to
 * platform accounts. Ids are kept, so that what a client stored (a file's id in an asset address)
 * still works, unless the instance already has the first chunk's ids (the archive restored again on
 * the instance it came from, as a second workspace): then that kind gets new ids, each derived from
 * the old one and the new workspace's id (UUIDv5), so a reference maps with no table of ids, and every
 * reference to them (file fields, folders, app user fields, created_by) is rewritten on the way in.
 */
export class IdMapping {
  private readonly remapped = new Set<SharedKind>();
  /** App users' old ids when they are remapped: created_by holds app users' and accounts' ids alike. */
  private readonly appUsers = new Set<string>();
  /** Archived account ids → the ids the same people have on this instance (instance restores). */
  readonly accounts = new Map<string, string>();

  constructor(private readonly workspaceId: string) {}

  /** Decides, at a kind's first chunk, whether its ids are taken here. */
  decide(kind: SharedKind, taken: boolean): void {
    if (taken) this.remapped.add(kind);
  }

  isRemapped(kind: SharedKind): boolean {
    return this.remapped.has(kind);
  }

  /** The id a row of `kind` gets here. */
  id(kind: SharedKind, id: unknown): unknown {
    if (typeof id !== 'string' || !this.remapped.has(kind)) return id;
    if (kind === 'app_users') this.appUsers.add(id);
    return uuidv5(id, this.workspaceId);
  }

  /** A person's id in an item (created_by, updated_by, an app_user or member field). */
  person(id: unknown): unknown {
    if (typeof id !== 'string') return id;
    if (this.appUsers.has(id)) return uuidv5(id, this.workspaceId);
    return this.accounts.get(id) ?? id;
  }

  /** An item's values with its references to files and people mapped. */
  item(collection: CollectionDef, row: Row): Row {
    const mapped: Row = { ...row };
    for (const field of collection.fields) {
      const value = row[field.field];
      if (value === null || value === undefined) continue;
      if (field.type === 'file') mapped[field.field] = this.id('files', value);
      else if (field.type === 'app_user' || field.type === 'member' || field.field === 'created_by' || field.field === 'updated_by') mapped[field.field] = this.person(value);
    }
    return mapped;
  }
}
