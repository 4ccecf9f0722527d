import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { Database } from '../../common/database/database.service';
import { conflict, invalidPayload } from '../../common/errors/app-error';
import type { WorkspaceAccess } from '../workspaces/workspaces.service';
import { parseIndexInput } from './composite-indexes';
import { parseFieldInput } from './field-input';
import { IndexesService } from './indexes.service';
import { tableNameFor } from './names';
import { SchemaMigrationEntity } from './registry.entities';
import { RelationsService } from './relations.service';
import { SchemaRegistry } from './schema.registry';
import { assertRemovable } from './schema-removal';
import { assertFieldChangeAllowed, dataLoss, RemovalOptions, SchemaChangeContext, SchemaService } from './schema.service';
import type { CollectionDef, WorkspaceSchema } from './schema.types';
import { ParsedSnapshot, parseSchemaSnapshot, same, SchemaOperation, SchemaSnapshot, schemaSnapshot, schemaSteps, wantedSchema } from './snapshot.diff';
import { checkingEntry, Dependant, SectionStep, SnapshotParticipant, SnapshotParticipants } from './snapshot-participant';
import { systemFields } from './system-fields';
import { withoutRelationTargets } from './relation-targets';
import { withUsers } from './users.collection';

type Raw = Record<string, unknown>;

/** A step of a plan as the API shows it: a schema step, or `create_policy`, `delete_view`, … naming its entry. */
export type PlannedStep = SchemaOperation | ({ action: string } & Raw);

/**
 * What a schema step would lose or break, as `POST /schema/diff {impact: true}` shows it: a collection's
 * `rows`, a field's `values` (its rows that are not null), why a field change could lose them (`loss`),
 * and the `dependants` a deletion takes along (as a forced `DELETE` settles them).
 */
export interface StepImpact {
  rows?: number;
  values?: number;
  loss?: string;
  dependants?: Dependant[];
}

/** What a plan does to one participant's section. */
interface SectionPlan {
  participant: SnapshotParticipant;
  steps: SectionStep<unknown>[];
}

/** A whole plan: the schema's steps and each section's, and the participants the snapshot leaves alone. */
interface Plan {
  schema: SchemaOperation[];
  sections: SectionPlan[];
  untouched: SnapshotParticipant[];
}

/** A section step as the API shows it: `{"action": "create_policy", "policy": "public read posts", "definition": {…}}`. */
function shown(participant: SnapshotParticipant, step: SectionStep<unknown>): PlannedStep {
  return { action: `${step.kind}_${participant.entryName}`, [participant.entryName]: step.key, ...(step.kind === 'delete' ? {} : { definition: step.entry }) };
}

/**
 * Snapshots, diffs and applies: a workspace's schema and its setup (the sections of the snapshot
 * participants: roles, policies, handlers, flows, webhooks, views) as one document, and the steps that
 * make a workspace match one, all run in one schema change (one transaction where the database allows
 * DDL in one), checked whole before anything runs, so a plan applies whole or not at all.
 */
@Injectable()
export class SnapshotService {
  constructor(
    private readonly schemas: SchemaService,
    private readonly relations: RelationsService,
    private readonly indexes: IndexesService,
    private readonly registry: SchemaRegistry,
    private readonly participants: SnapshotParticipants,
    private readonly db: Database,
    @InjectRepository(SchemaMigrationEntity) private readonly migrations: Repository<SchemaMigrationEntity>,
  ) {}

  /** The workspace's schema and every section, as one document. */
  snapshot(access: WorkspaceAccess): Promise<SchemaSnapshot & Raw> {
    return this.snapshotOf(access.workspace);
  }

  /** A workspace's snapshot, whoever asks (a backup). */
  async snapshotOf(workspace: Pick<WorkspaceAccess['workspace'], 'id' | 'schemaVersion'>): Promise<SchemaSnapshot & Raw> {
    const document: SchemaSnapshot & Raw = { ...schemaSnapshot(await this.registry.forWorkspace(workspace)) };
    for (const participant of this.participants.all()) document[participant.section] = await this.exported(participant, workspace.id);
    return document;
  }

  /** A participant's entries in the order of their keys, by code point: the same on every database, whatever its collation. */
  private async exported(participant: SnapshotParticipant, workspaceId: string): Promise<unknown[]> {
    const entries = await participant.export(this.db.dataSource.manager, workspaceId);
    const keyed = entries.map((entry) => ({ key: participant.key(entry), entry }));
    return keyed.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)).map(({ entry }) => entry);
  }

  /** The steps from the workspace to the snapshot, in the order they run; every entry is checked first (400 naming it). */
  async diff(access: WorkspaceAccess, target: ParsedSnapshot, options: { impact: boolean } = { impact: false }): Promise<PlannedStep[]> {
    const plan = await this.plan(access, target);
    const steps = this.shownPlan(plan);
    if (!options.impact) return steps;
    const current = withoutRelationTargets(await this.registry.forWorkspace(access.workspace));
    const removal = { relations: false, sections: plan.untouched };
    const shown: PlannedStep[] = [];
    for (const step of steps) {
      const impact = plan.schema.includes(step as SchemaOperation) ? await this.impactOf(current, step as SchemaOperation, removal) : null;
      shown.push(impact ? { ...step, impact } : step);
    }
    return shown;
  }

  /**
   * What a schema step would lose, read before anything runs: the rows of a collection it deletes, the
   * values of a field it deletes or narrows, and what depends on them; null for a step that loses nothing.
   * Relations are steps of the plan themselves, so they are not repeated as dependants.
   */
  private async impactOf(current: WorkspaceSchema, operation: SchemaOperation, removal: Omit<RemovalOptions, 'force'>): Promise<StepImpact | null> {
    const manager = this.db.dataSource.manager;
    switch (operation.action) {
      case 'delete_collection': {
        const impact = await this.schemas.removalImpact(manager, this.schemas.removal(current, operation.collection, null), removal);
        return { rows: impact.rows ?? 0, dependants: impact.dependants };
      }
      case 'delete_field': {
        const impact = await this.schemas.removalImpact(manager, this.schemas.removal(current, operation.collection, operation.field), removal);
        return { values: await this.valuesOf(current, operation.collection, operation.field), dependants: impact.dependants };
      }
      case 'update_field': {
        const field = this.schemas.requireCollection(current, operation.collection).fields.find((f) => f.field === operation.field)!;
        const loss = dataLoss(field, parseFieldInput(operation.to, `snapshot.${operation.collection}`));
        return loss ? { values: await this.valuesOf(current, operation.collection, operation.field), loss: `changing "${operation.field}" ${loss}` } : null;
      }
      case 'create_collection':
      case 'update_collection':
      case 'create_field':
      case 'create_relation':
      case 'delete_relation': // the field and its values stay
      case 'create_index':
      case 'delete_index':
        return null;
    }
  }

  /** A field's values that are not null. */
  private valuesOf(current: WorkspaceSchema, collection: string, field: string): Promise<number> {
    return this.schemas.countValues(this.db.dataSource.manager, current, collection, field);
  }

  private shownPlan(plan: Plan): PlannedStep[] {
    return [
      ...[...plan.sections].reverse().flatMap(({ participant, steps }) => steps.filter((step) => step.kind === 'delete').map((step) => shown(participant, step))),
      ...plan.schema,
      ...plan.sections.flatMap(({ participant, steps }) => steps.filter((step) => step.kind !== 'delete').map((step) => shown(participant, step))),
    ];
  }

  private async plan(access: WorkspaceAccess, target: ParsedSnapshot): Promise<Plan> {
    // User relations are derived from field types, never steps; the schema entries are checked against has them.
    const current = withoutRelationTargets(await this.registry.forWorkspace(access.workspace));
    const wanted = withUsers(wantedSchema(current, target));
    const schema = schemaSteps(current, target, wanted);
    const existing = new Map<string, unknown[]>();
    for (const participant of this.participants.all()) existing.set(participant.section, await this.exported(participant, access.workspace.id));
    const context = {
      workspaceId: access.workspace.id,
      schema: wanted,
      entries: (section: string) => target.sections.get(section) ?? existing.get(section) ?? [],
    };
    const sections: SectionPlan[] = [];
    const untouched: SnapshotParticipant[] = [];
    for (const participant of this.participants.all()) {
      const wanted = target.sections.get(participant.section);
      if (!wanted) {
        untouched.push(participant);
        continue;
      }
      for (const [index, entry] of wanted.entries()) {
        await checkingEntry(`snapshot.${participant.section}.${index}`, `${participant.entryName} "${participant.key(entry)}"`, async () => participant.check(entry, context));
      }
      sections.push({ participant, steps: sectionSteps(participant, existing.get(participant.section)!, wanted) });
    }
    return { schema, sections, untouched };
  }

  /**
   * Applies a snapshot: the sections' deletions (last section first), the schema steps, then the
   * sections' creations and updates (first section first), so that what an entry needs exists before
   * it and outlives it. Answers the steps, a new webhook's with its secret, shown this once.
   */
  async apply(access: WorkspaceAccess, target: ParsedSnapshot, options: { dryRun: boolean; force: boolean }): Promise<PlannedStep[]> {
    const plan = await this.plan(access, target);
    const steps = this.shownPlan(plan);
    const removal: RemovalOptions = { force: options.force, relations: false, sections: plan.untouched };
    await this.assertApplicable(withoutRelationTargets(await this.registry.forWorkspace(access.workspace)), plan.schema, removal);
    if (options.dryRun || steps.length === 0) return steps;
    const learned = await this.schemas.change(access, 'apply_snapshot', { operations: steps }, async (context) => {
      const apply = { manager: context.manager, access };
      const results: Array<Record<string, string> | null> = [];
      for (const { participant, steps: sectionSteps } of [...plan.sections].reverse()) results.push(...(await participant.apply(sectionSteps.filter((step) => step.kind === 'delete'), apply)));
      for (const operation of plan.schema) {
        await this.run(context, operation, removal);
        results.push(null);
        context.schema = await this.registry.load(context.manager, context.workspaceId);
      }
      for (const { participant, steps: sectionSteps } of plan.sections) results.push(...(await participant.apply(sectionSteps.filter((step) => step.kind !== 'delete'), apply)));
      return results;
    });
    await this.participants.changed(access.workspace.id);
    return steps.map((step, index) => (learned[index] ? { ...step, ...learned[index] } : step));
  }

  /**
   * Checks the schema steps of a plan up front, since MySQL cannot roll back DDL that already ran: field
   * changes that could lose data, and deletions of collections that hold rows or of what the sections
   * the snapshot leaves out depend on, each refused (409) unless forced.
   */
  private async assertApplicable(current: WorkspaceSchema, plan: SchemaOperation[], removal: RemovalOptions): Promise<void> {
    for (const operation of plan) {
      if (operation.action === 'update_field') {
        const collection = this.schemas.requireCollection(current, operation.collection);
        const field = collection.fields.find((f) => f.field === operation.field)!;
        assertFieldChangeAllowed(current, operation.collection, field, parseFieldInput(operation.to, `snapshot.${operation.collection}`), removal.force);
      }
      if (operation.action === 'delete_collection' || operation.action === 'delete_field') {
        const field = operation.action === 'delete_field' ? operation.field : null;
        const impact = await this.schemas.removalImpact(this.db.dataSource.manager, this.schemas.removal(current, operation.collection, field), removal);
        assertRemovable(operation.collection, field, impact, removal.force);
      }
    }
  }

  async history(access: WorkspaceAccess): Promise<Raw[]> {
    const rows = await this.migrations.find({ where: { workspaceId: access.workspace.id }, order: { version: 'ASC' } });
    return rows.map((row) => ({
      version: row.version,
      action: row.action,
      detail: JSON.parse(row.detail) as unknown,
      actor_type: row.actorType,
      actor_id: row.actorId,
      created_at: row.createdAt.toISOString(),
    }));
  }

  private async run(context: SchemaChangeContext, operation: SchemaOperation, removal: RemovalOptions): Promise<void> {
    switch (operation.action) {
      case 'delete_relation':
        return this.relations.unlinkIn(context, operation.collection, operation.field);
      case 'delete_field':
        return this.schemas.deleteFieldIn(context, operation.collection, operation.field, removal);
      case 'delete_collection':
        return this.schemas.deleteCollectionIn(context, operation.collection, removal);
      case 'create_collection': {
        const fields = operation.fields.map((field, index) => parseFieldInput(field, `snapshot.${operation.collection}.fields.${index}`));
        const collection: CollectionDef = {
          name: operation.collection,
          table: tableNameFor(context.workspaceId, operation.collection),
          primaryKey: operation.primary_key,
          note: operation.note,
          fields: [...systemFields(operation.primary_key), ...fields],
        };
        return this.schemas.createCollectionIn(context, collection);
      }
      case 'update_collection':
        await context.manager.createQueryBuilder().update('cairn_collections').set({ note: operation.note }).where('workspace_id = :ws AND name = :name', { ws: context.workspaceId, name: operation.collection }).execute();
        return;
      case 'create_field':
        return this.schemas.addFieldIn(context, operation.collection, parseFieldInput(operation.field, `snapshot.${operation.collection}`));
      case 'update_field':
        return this.schemas.updateFieldIn(context, operation.collection, operation.field, parseFieldInput(operation.to, `snapshot.${operation.collection}`), removal.force);
      case 'delete_index':
        return this.indexes.removeIn(context, operation.collection, operation.name);
      case 'create_index': {
        const collection = this.schemas.requireCollection(context.schema, operation.collection);
        return this.indexes.createIn(context, parseIndexInput(context.schema, collection, operation.index, `snapshot.indexes.${operation.collection}.`));
      }
      case 'create_relation': {
        const r = operation.relation;
        await this.relations.linkIn(context, {
          collection: r.collection,
          field: r.field,
          relatedCollection: r.related_collection,
          onDelete: r.on_delete,
          oneField: r.one_field,
          junction: r.junction ? { otherField: r.junction.other_field, alias: r.junction.alias } : null,
        });
        return;
      }
    }
  }

  /** Reads and checks a snapshot from a request body: its schema, and each section a participant knows. */
  parse(raw: unknown): ParsedSnapshot {
    const snapshot = parseSchemaSnapshot(raw);
    const document = raw as Raw;
    const known = new Set(['version', 'cairn', 'collections', 'relations', 'indexes', ...this.participants.all().map((p) => p.section)]);
    const unknown = Object.keys(document).find((key) => !known.has(key));
    if (unknown !== undefined) throw invalidPayload(`Invalid payload: a snapshot has no section "${unknown}".`, `snapshot.${unknown}`);
    for (const participant of this.participants.all()) {
      const entries = document[participant.section];
      if (entries === undefined) continue;
      if (!Array.isArray(entries)) throw invalidPayload(`Invalid payload: snapshot.${participant.section} must be a list.`, `snapshot.${participant.section}`);
      const parsed = entries.map((entry, index) => {
        const path = `snapshot.${participant.section}.${index}`;
        const name = typeof (entry as Raw | null)?.name === 'string' ? ` ("${String((entry as Raw).name)}")` : '';
        return checkingEntry(path, `${participant.section}.${index}${name}`, () => participant.parse(entry));
      });
      const seen = new Map<string, number>();
      for (const [index, entry] of parsed.entries()) {
        const key = participant.key(entry);
        if (seen.has(key)) throw invalidPayload(`Invalid snapshot: ${participant.section}.${seen.get(key)} and ${participant.section}.${index} are both the ${participant.entryName} "${key}".`, `snapshot.${participant.section}.${index}`);
        seen.set(key, index);
      }
      snapshot.sections.set(participant.section, parsed);
    }
    return snapshot;
  }
}

/**
 * The steps that make a section's entries the wanted ones, matched by natural key: deletions of the
 * entries the snapshot does not have, creations, and updates of the entries that differ.
 */
function sectionSteps(participant: SnapshotParticipant, current: unknown[], wanted: unknown[]): SectionStep<unknown>[] {
  const byKey = new Map<string, unknown>();
  for (const entry of current) {
    const key = participant.key(entry);
    if (byKey.has(key)) throw conflict(`The workspace has two ${participant.section} that are the ${participant.entryName} "${key}"; rename or delete one before applying a snapshot.`);
    byKey.set(key, entry);
  }
  const wantedKeys = new Set(wanted.map((entry) => participant.key(entry)));
  const steps: SectionStep<unknown>[] = [...byKey.keys()].filter((key) => !wantedKeys.has(key)).map((key) => ({ kind: 'delete', key }));
  for (const entry of wanted) {
    const key = participant.key(entry);
    const existing = byKey.get(key);
    if (existing === undefined) steps.push({ kind: 'create', key, entry });
    else if (!same(existing, entry)) steps.push({ kind: 'update', key, entry });
  }
  return steps;
}

