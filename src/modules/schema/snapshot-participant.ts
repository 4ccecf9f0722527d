import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { AppError, invalidPayload } from '../../common/errors/app-error';
import type { WorkspaceAccess } from '../workspaces/workspaces.service';
import type { WorkspaceSchema } from './schema.types';

/** A collection, or one field of it, that a change is about to delete, with the schema before and after. */
export interface SchemaRemoval {
  workspaceId: string;
  collection: string;
  /** Null when the whole collection goes. */
  field: string | null;
  before: WorkspaceSchema;
  after: WorkspaceSchema;
}

/** What a forced deletion does to a dependant. */
export type ForceOutcome = 'drop' | 'delete' | 'disable' | 'remove_reference';

/**
 * Something that would lose data or stop working if a collection or field were deleted: its kind, how
 * it is named (`name`, or a policy's role, collection and action) and what `force` does to it.
 */
export type Dependant = { kind: string; on_force: ForceOutcome } & Record<string, string | null>;

/** What a participant checks a snapshot's entries against. */
export interface SectionCheck {
  workspaceId: string;
  /** The schema the snapshot gives, with the workspace's external collections. */
  schema: WorkspaceSchema;
  /** A section's entries once the snapshot is applied: the snapshot's, or the workspace's where it leaves the section out. */
  entries(section: string): readonly unknown[];
}

/** One change of a section's entries, matched by natural key. */
export type SectionStep<Entry> = { kind: 'delete'; key: string } | { kind: 'create' | 'update'; key: string; entry: Entry };

/** What a participant applies its steps with: the schema change's transaction, and who asked. */
export interface SectionApply {
  manager: EntityManager;
  access: WorkspaceAccess;
}

/**
 * A part of a workspace's setup kept beside its schema (roles, policies, handlers, flows, webhooks,
 * views): its section of the schema snapshot (export, check, apply), and what becomes of its entries
 * when a collection or field they depend on is deleted. Each module registers its own with
 * `SnapshotParticipants`, so the schema module never imports them and a new section touches no file here.
 */
export interface SnapshotParticipant<Entry = unknown> {
  /** The section's key in the snapshot document: `policies`. */
  readonly section: string;
  /** What one entry is called in steps and messages: `policy`. */
  readonly entryName: string;
  /** Sections applied before this one (collections and relations always are). */
  readonly after: readonly string[];
  /** The workspace's entries, without ids, timestamps or secrets (snapshots sort them by key). */
  export(manager: EntityManager, workspaceId: string): Promise<Entry[]>;
  /** Reads one entry of a snapshot for its shape, as the REST route reads a body (400 naming the field). */
  parse(raw: unknown): Entry;
  /** The entry's natural key, unique within the section: a role's name, a policy's role, collection and action. */
  key(entry: Entry): string;
  /** Checks an entry the snapshot wants against its schema and the other entries, as the REST routes check a save. */
  check(entry: Entry, context: SectionCheck): Promise<void> | void;
  /** Runs steps in the schema change's transaction; answers, per step, what the caller learns only then (a new secret), or null. */
  apply(steps: SectionStep<Entry>[], context: SectionApply): Promise<Array<Record<string, string> | null>>;
  /** The entries that would stop working after the removal. */
  dependants(manager: EntityManager, removal: SchemaRemoval): Promise<Dependant[]>;
  /** Makes the entries fit the schema after the removal, in its transaction, as `dependants` said `force` would. */
  release(manager: EntityManager, removal: SchemaRemoval): Promise<void>;
  /** After a committed change of the section: drops what every instance caches of it. */
  changed(workspaceId: string): Promise<void>;
}

/** The participants of snapshots and deletions, in the order their sections apply. */
@Injectable()
export class SnapshotParticipants {
  private readonly registered: SnapshotParticipant[] = [];
  private sorted: SnapshotParticipant[] | null = null;

  register(participant: SnapshotParticipant): void {
    if (this.registered.some((p) => p.section === participant.section)) throw new Error(`The snapshot section "${participant.section}" is registered twice.`);
    this.registered.push(participant);
    this.sorted = null;
  }

  /**
   * Every participant, each after the sections it names; among those free to go next, by section name,
   * so the order does not depend on which module registered first.
   */
  all(): readonly SnapshotParticipant[] {
    if (this.sorted) return this.sorted;
    const sorted: SnapshotParticipant[] = [];
    const waiting = [...this.registered].sort((a, b) => a.section.localeCompare(b.section));
    const ready = (participant: SnapshotParticipant) => participant.after.every((name) => sorted.some((p) => p.section === name) || !waiting.some((p) => p.section === name));
    while (waiting.length > 0) {
      const next = waiting.findIndex(ready);
      if (next < 0) throw new Error(`Snapshot sections wait on each other: ${waiting.map((p) => p.section).join(', ')}.`);
      sorted.push(...waiting.splice(next, 1));
    }
    return (this.sorted = sorted);
  }

  /** Tells every participant's caches, after a deletion or apply that may have changed their entries. */
  async changed(workspaceId: string): Promise<void> {
    await Promise.all(this.all().map((participant) => participant.changed(workspaceId)));
  }
}

/**
 * Runs a check of one snapshot entry and names the entry in the 400 it may throw:
 * `snapshot.policies.2.filter`, and which entry in the message.
 */
export function checkingEntry<T>(path: string, label: string, check: () => T): T;
export function checkingEntry<T>(path: string, label: string, check: () => Promise<T>): Promise<T>;
export function checkingEntry<T>(path: string, label: string, check: () => T | Promise<T>): T | Promise<T> {
  const rename = (error: unknown): never => {
    if (!(error instanceof AppError) || error.code !== 'INVALID_PAYLOAD') throw error;
    const field = typeof error.extensions.field === 'string' && error.extensions.field !== '' ? `${path}.${error.extensions.field}` : path;
    throw invalidPayload(`Invalid snapshot: ${label}: ${error.message.replace(/^Invalid payload: /, '')}`, field);
  };
  try {
    const result = check();
    return result instanceof Promise ? result.catch(rename) : result;
  } catch (error) {
    return rename(error);
  }
}
