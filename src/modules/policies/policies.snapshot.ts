import { randomUUID } from 'node:crypto';
import { Injectable, OnModuleInit } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { AppError, invalidPayload } from '../../common/errors/app-error';
import { isRecord } from '../../engine/query/filter.parser';
import type { WorkspaceSchema } from '../schema/schema.types';
import { Dependant, SchemaRemoval, SectionApply, SectionCheck, SectionStep, SnapshotParticipant, SnapshotParticipants } from '../schema/snapshot-participant';
import { description, PoliciesService, PolicyDto, policyName, roleName, toPolicyDto } from './policies.service';
import { AppRoleEntity, BUILT_IN_ROLES, PolicyEntity } from './policy.entities';

type Raw = Record<string, unknown>;

const POLICY_PARTS = ['name', 'role', 'collection', 'action', 'filter', 'fields', 'validation', 'presets', 'verified_email'];

/** A custom app role in a snapshot. */
export interface RoleEntry {
  name: string;
  description: string | null;
}

/** A policy in a snapshot: as the API shows it, without its id. */
export type PolicyEntry = Omit<PolicyDto, 'id'>;

/** The snapshot section of custom app roles (`public` and `authenticated` are built in everywhere). */
@Injectable()
export class RolesSnapshot implements SnapshotParticipant<RoleEntry>, OnModuleInit {
  readonly section = 'roles';
  readonly entryName = 'role';
  readonly after = [];

  constructor(
    private readonly participants: SnapshotParticipants,
    private readonly policies: PoliciesService,
  ) {}

  onModuleInit(): void {
    this.participants.register(this);
  }

  async export(manager: EntityManager, workspaceId: string): Promise<RoleEntry[]> {
    const roles = await manager.getRepository(AppRoleEntity).find({ where: { workspaceId }, order: { name: 'ASC' } });
    return roles.map((role) => ({ name: role.name, description: role.description }));
  }

  parse(raw: unknown): RoleEntry {
    if (!isRecord(raw)) throw invalidPayload('Invalid payload: a role is an object with "name" and "description".');
    const unknown = Object.keys(raw).find((key) => key !== 'name' && key !== 'description');
    if (unknown !== undefined) throw invalidPayload(`Invalid payload: "${unknown}" is not a part of a role.`, unknown);
    const name = roleName(raw.name);
    if ((BUILT_IN_ROLES as readonly string[]).includes(name)) throw invalidPayload(`Invalid payload: "${name}" is a built-in role, in every workspace already.`, 'name');
    return { name, description: description(raw.description) };
  }

  key(entry: RoleEntry): string {
    return entry.name;
  }

  check(): void {
    // parse() has checked all there is to a role.
  }

  async apply(steps: SectionStep<RoleEntry>[], { manager, access }: SectionApply): Promise<null[]> {
    const roles = manager.getRepository(AppRoleEntity);
    const workspaceId = access.workspace.id;
    for (const step of steps) {
      const now = new Date();
      if (step.kind === 'create') await roles.insert({ id: randomUUID(), workspaceId, name: step.key, description: step.entry.description, createdAt: now, updatedAt: now });
      else if (step.kind === 'update') await roles.update({ workspaceId, name: step.key }, { description: step.entry.description, updatedAt: now });
      else {
        // As DELETE /roles/{name}: its policies go with it.
        await manager.getRepository(PolicyEntity).delete({ workspaceId, role: step.key });
        await roles.delete({ workspaceId, name: step.key });
      }
    }
    return steps.map(() => null);
  }

  async dependants(): Promise<Dependant[]> {
    return [];
  }

  async release(): Promise<void> {
    // Roles name no collection.
  }

  changed(workspaceId: string): Promise<void> {
    return this.policies.evict(workspaceId);
  }
}

/** What a deletion does to a policy: nothing, its deletion, or the policy without the names of the deleted field. */
type PolicyFate = null | { kind: 'delete' } | { kind: 'trim'; entry: PolicyEntry };

/**
 * The snapshot section of policies, keyed by role, action and collection (`"public read posts"`), checked
 * as `POST /policies` checks one. When a collection or field goes, a policy on that collection, or whose
 * filter reads it, is deleted (cutting a filter would widen access; deleting the policy only narrows it),
 * and a field's name leaves `fields`, `validation` and `presets` (a `fields` left empty deletes the policy).
 */
@Injectable()
export class PoliciesSnapshot implements SnapshotParticipant<PolicyEntry>, OnModuleInit {
  readonly section = 'policies';
  readonly entryName = 'policy';
  readonly after = ['roles'];

  constructor(
    private readonly participants: SnapshotParticipants,
    private readonly policies: PoliciesService,
  ) {}

  onModuleInit(): void {
    this.participants.register(this);
  }

  async export(manager: EntityManager, workspaceId: string): Promise<PolicyEntry[]> {
    const rows = await manager.getRepository(PolicyEntity).find({ where: { workspaceId }, order: { role: 'ASC', collection: 'ASC', action: 'ASC' } });
    return rows.map((row) => {
      const { id: _id, ...entry } = toPolicyDto(row);
      return entry;
    });
  }

  /** The entry with the defaults `POST /policies` gives, so that a snapshot's entry and a workspace's compare equal. */
  parse(raw: unknown): PolicyEntry {
    if (!isRecord(raw)) throw invalidPayload('Invalid payload: a policy is an object.');
    const unknown = Object.keys(raw).find((key) => !POLICY_PARTS.includes(key));
    if (unknown !== undefined) throw invalidPayload(`Invalid payload: "${unknown}" is not a part of a policy.`, unknown);
    for (const key of ['role', 'collection', 'action'] as const) {
      if (typeof raw[key] !== 'string') throw invalidPayload(`Invalid payload: a policy needs "${key}".`, key);
    }
    const filter = isRecord(raw.filter) && Object.keys(raw.filter).length === 0 ? null : raw.filter;
    return {
      name: policyName(raw.name),
      role: raw.role as string,
      collection: raw.collection as string,
      action: raw.action as PolicyEntry['action'],
      filter: (filter ?? null) as Raw | null,
      fields: (raw.fields ?? ['*']) as string[],
      validation: (raw.validation ?? null) as Raw | null,
      presets: (raw.presets ?? null) as Raw | null,
      verified_email: (raw.verified_email ?? false) as boolean,
    };
  }

  key(entry: PolicyEntry): string {
    return `${entry.role} ${entry.action} ${entry.collection}`;
  }

  async check(entry: PolicyEntry, context: SectionCheck): Promise<void> {
    const roles = new Set((context.entries('roles') as RoleEntry[]).map((role) => role.name));
    await this.checkAgainst(context.schema, entry, (name) => roles.has(name));
  }

  async apply(steps: SectionStep<PolicyEntry>[], { manager, access }: SectionApply): Promise<null[]> {
    const policies = manager.getRepository(PolicyEntity);
    const workspaceId = access.workspace.id;
    for (const step of steps) {
      if (step.kind === 'delete') {
        const [role, action, collection] = step.key.split(' ');
        await policies.delete({ workspaceId, role, action: action as PolicyEntry['action'], collection });
        continue;
      }
      const { role, collection, action } = step.entry;
      const parts = toStoredParts(step.entry);
      if (step.kind === 'create') await policies.insert({ id: randomUUID(), workspaceId, role, collection, action, ...parts, createdAt: new Date(), updatedAt: new Date() });
      else await policies.update({ workspaceId, role, collection, action }, { ...parts, updatedAt: new Date() });
    }
    return steps.map(() => null);
  }

  async dependants(manager: EntityManager, removal: SchemaRemoval): Promise<Dependant[]> {
    return (await this.fates(manager, removal)).map(({ entry, fate }) => ({
      kind: 'policy',
      role: entry.role,
      collection: entry.collection,
      action: entry.action,
      on_force: fate.kind === 'trim' ? 'remove_reference' : 'delete',
    }));
  }

  async release(manager: EntityManager, removal: SchemaRemoval): Promise<void> {
    const policies = manager.getRepository(PolicyEntity);
    for (const { id, fate } of await this.fates(manager, removal)) {
      if (fate.kind === 'delete') await policies.delete({ id });
      else await policies.update({ id }, { ...toStoredParts(fate.entry), updatedAt: new Date() });
    }
  }

  changed(workspaceId: string): Promise<void> {
    return this.policies.evict(workspaceId);
  }

  /** The policies the removal touches, each with what becomes of it. */
  private async fates(manager: EntityManager, removal: SchemaRemoval): Promise<Array<{ id: string; entry: PolicyEntry; fate: Exclude<PolicyFate, null> }>> {
    const rows = await manager.getRepository(PolicyEntity).find({ where: { workspaceId: removal.workspaceId }, order: { role: 'ASC', collection: 'ASC', action: 'ASC' } });
    const touched: Array<{ id: string; entry: PolicyEntry; fate: Exclude<PolicyFate, null> }> = [];
    for (const row of rows) {
      const { id, ...entry } = toPolicyDto(row);
      const fate = await this.fate(entry, removal);
      if (fate) touched.push({ id, entry, fate });
    }
    return touched;
  }

  private async fate(entry: PolicyEntry, removal: SchemaRemoval): Promise<PolicyFate> {
    if (removal.field === null && entry.collection === removal.collection) return { kind: 'delete' };
    // A policy that did not fit the schema before (one on files, or one an earlier change broke) is not this deletion's to settle.
    if (!(await this.fits(removal.before, entry))) return null;
    if (await this.fits(removal.after, entry)) return null;
    if (removal.field === null || entry.collection !== removal.collection) return { kind: 'delete' };
    const field = removal.field;
    const without = (part: Raw | null) => {
      const kept = Object.entries(part ?? {}).filter(([name]) => name !== field);
      return kept.length === 0 ? null : Object.fromEntries(kept);
    };
    const trimmed: PolicyEntry = { ...entry, fields: entry.fields.filter((name) => name !== field), validation: without(entry.validation), presets: without(entry.presets) };
    if (trimmed.fields.length === 0 || !(await this.fits(removal.after, trimmed))) return { kind: 'delete' };
    return { kind: 'trim', entry: trimmed };
  }

  private async fits(schema: WorkspaceSchema, entry: PolicyEntry): Promise<boolean> {
    try {
      await this.checkAgainst(schema, entry, () => true);
      return true;
    } catch (error) {
      if (error instanceof AppError) return false;
      throw error;
    }
  }

  /** Checks an entry exactly as `POST /policies` checks a body. */
  private async checkAgainst(schema: WorkspaceSchema, entry: PolicyEntry, hasRole: (name: string) => boolean): Promise<void> {
    const policy = new PolicyEntity();
    await this.policies.assign({ schema, hasRole }, policy, { ...entry }, true);
  }
}

function toStoredParts(entry: PolicyEntry): Pick<PolicyEntity, 'name' | 'filter' | 'fields' | 'validation' | 'presets' | 'requireVerifiedEmail'> {
  const json = (value: Raw | null) => (value === null ? null : JSON.stringify(value));
  return { name: entry.name, filter: json(entry.filter), fields: JSON.stringify(entry.fields), validation: json(entry.validation), presets: json(entry.presets), requireVerifiedEmail: entry.verified_email };
}
