import type { EntityManager } from 'typeorm';
import type { ItemAction } from '../../common/bus/items-changed';
import type { FilterNode } from '../../engine/query/query.ast';
import type { SqlDialect } from '../../engine/sql/dialect';
import type { LoggedRow } from '../../engine/write/write.sql';
import type { Principal } from '../../common/principal/principal';
import type { ReadPermissions } from '../policies/read-permissions';
import type { CollectionDef, FieldDef, WorkspaceSchema } from '../schema/schema.types';
import type { ItemsAccess } from '../workspaces/workspaces.service';

/**
 * How other modules join a write of items without the items door knowing them: activity, revisions,
 * webhook deliveries, flow runs, handler hooks. Each registers a participant; before a write's
 * transaction the writer asks every participant whether it wants the write (`prepare`), and calls the
 * plans it got back at each step, once per write, for creates, updates and deletes alike.
 */

type Row = Record<string, unknown>;

export type { ItemAction };

/** Where a request came from, for the activity log. */
export interface RequestOrigin {
  ip: string | null;
  userAgent: string | null;
}

/** A write about to be made, as participants are asked about it before its transaction begins. */
export interface WriteIntent {
  workspaceId: string;
  /** The whole schema the write is compiled against. */
  schema: WorkspaceSchema;
  collection: CollectionDef;
  action: ItemAction;
  /** The caller's access: what a participant that reads or writes items does it with. */
  access: ItemsAccess;
  /** Null for an anonymous caller writing through the public role's policies. */
  principal: Principal | null;
  /** What the caller may read (an app role); null for a member, who reads everything. */
  permissions: ReadPermissions | null;
  origin: RequestOrigin;
}

/** A write whose values are validated and not yet written: what a before step sees, and may change. */
export interface PendingWrite extends WriteIntent {
  /** The keys of the items being updated or deleted (empty on create). */
  keys: unknown[];
  /** One object per item to create, or the values of an update (empty on delete). */
  payloads: Row[];
}

/** Items written with the same values: an item of a create, the keys of one update's values, the keys of a delete. */
export interface WrittenGroup {
  keys: unknown[];
  /** The values written; none for a delete. */
  payload?: Row;
}

/** A change as written, inside its transaction. */
export interface WrittenChange extends WriteIntent {
  keys: unknown[];
  /**
   * Per key, the id of its entry in this write's log, time-ordered: the activity row's id, to which a
   * revision links. Made by the writer so that participants need not know each other.
   */
  entries: string[];
  groups: WrittenGroup[];
  /** The values the write was given (create, update), whether or not their items existed; none for a delete. */
  payloads?: Row[];
  /**
   * The stored rows of `keys`, in their order, decoded as reads decode them: after the change, or before
   * it for a delete. Read only when a plan `needsRows`; null on a table of an external database.
   */
  rows: Row[] | null;
  /** Which of these keys have rows matching a filter, on the write's own connection, as written so far. */
  matching(keys: unknown[], filter: FilterNode): Promise<unknown[]>;
}

/**
 * The rows an update is about to change, inside its transaction, locked and not yet written: what a
 * plan's `beforeUpdate` step reads them through.
 */
export interface LockedForUpdate {
  /** Per set of values of the update (one for a whole update, one per item of a batch), its keys that exist. */
  groups: unknown[][];
  /** The stored rows of these keys as they are now, in their order, decoded as reads decode them. */
  rows(keys: unknown[]): Promise<Row[]>;
  /** Which of these keys have rows matching a filter, as they are now. */
  matching(keys: unknown[], filter: FilterNode): Promise<unknown[]>;
}

/** A committed change, as an after-commit step sees it. */
export interface CommittedChange extends WriteIntent {
  keys: unknown[];
}

/**
 * The one-statement create (PostgreSQL): one item inserted together with the participants' rows, its
 * key and stored row readable in SQL from the CTE `inserted` (see insertWithLogStatement).
 */
export interface StatementCreate extends WriteIntent {
  dialect: SqlDialect;
  /** The item's entry id, as WrittenChange.entries. */
  entry: string;
  /** The fields the caller gave. */
  written: FieldDef[];
}

/** What a participant does in one write: every step optional. */
export interface WritePlan {
  /**
   * After validation, before the transaction: may rewrite `payloads` in place or refuse the write by
   * throwing (an AppError keeps its status). Answers whether it may have changed them: they are then
   * validated again.
   */
  before?(write: PendingWrite): Promise<boolean>;
  /**
   * On an update, inside its transaction, once its rows are locked and before they change: reads what
   * the plan needs of the items as they were (the connection is the write's). Only the plans that have
   * it make an update read anything more.
   */
  beforeUpdate?(locked: LockedForUpdate): Promise<void>;
  /** Writes the participant's rows inside the write's transaction, with its connection. */
  record?(tx: EntityManager, change: WrittenChange): Promise<void>;
  /** `record` reads `change.rows`. */
  readonly needsRows?: boolean;
  /** On a delete, `record` runs before the rows go (a filter tested on the items as they were). */
  readonly beforeDelete?: boolean;
  /**
   * The rows `record` would write, as part of the one-statement create; a plan that records without it
   * makes the create take a transaction. `variant` names whatever the rows' SQL text depends on beyond
   * the collection and the row's columns: the texts are kept by it.
   */
  statement?(create: StatementCreate): { rows: LoggedRow[]; variant: string };
  /** Once the change is committed; a failure is logged, never answered: the change stands. */
  afterCommit?(change: CommittedChange): Promise<void>;
  /** Marks the change's event carries when this plan wrote something, so that its runners wake for it. */
  readonly event?: Readonly<Record<string, true>>;
}

export interface WriteParticipant {
  /** Its turn among the participants: lower goes first, at every step. */
  readonly order: number;
  /**
   * Whether it joins this write, and how (null: not this one). Called before the transaction: inside
   * it, a participant reading its own tables would take a second connection, and writers holding every
   * connection of the pool would wait on each other for ever.
   */
  prepare(intent: WriteIntent): Promise<WritePlan | null> | WritePlan | null;
}
