import { randomUUID } from 'node:crypto';
import { Inject, Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { MESSAGE_BUS, MessageBus } from '../../common/bus/bus';
import { EvictedCache } from '../../common/cache/evicted-cache';
import { conflict, invalidPayload, notFound } from '../../common/errors/app-error';
import { InjectConfig } from '../../config/config.module';
import type { QueryConfig } from '../../config/app-config';
import { assertSafeTree, isRecord, parseFilter } from '../../engine/query/filter.parser';
import { findField } from '../schema/schema.lookup';
import { SchemaRegistry } from '../schema/schema.registry';
import type { WorkspaceSchema } from '../schema/schema.types';
import type { WorkspaceEntity } from '../workspaces/workspace.entity';
import type { AppRoleAccess, WorkspaceAccess } from '../workspaces/workspaces.service';
import { AppRoleEntity, BUILT_IN_ROLES, POLICY_ACTIONS, PolicyAction, PolicyEntity } from './policy.entities';
import { CollectionReadGrant, ReadPermissions, readPermissions } from './read-permissions';
import { assertFilterVariables } from './policy-variables';
import { presetValue, WriteGrant } from './write-permissions';
import { parseValidation } from '../schema/field-input';
import { filesSchema, isFilesCollection } from '../schema/files.collection';
import { USERS } from '../schema/users.collection';

type Raw = Record<string, unknown>;

const ROLE_NAME = /^[a-z][a-z0-9_]{0,63}$/;

export interface RoleDto {
  name: string;
  description: string | null;
  built_in: boolean;
}

/** Who a policy is checked for: an app role, and whether the caller's email is verified. */
export interface AppCaller {
  role: string;
  emailVerified: boolean;
}

/** The caller behind an app role's access: anonymous callers have no verified email. */
export function appCaller(access: AppRoleAccess): AppCaller {
  return { role: access.appRole, emailVerified: access.principal?.emailVerified ?? false };
}

/** What a policy is checked against: the workspace's schema, and whether a role exists. */
export interface PolicyTarget {
  schema: WorkspaceSchema;
  hasRole(name: string): boolean | Promise<boolean>;
}

export interface PolicyDto {
  id: string;
  name: string | null;
  role: string;
  collection: string;
  action: PolicyAction;
  filter: Raw | null;
  fields: string[];
  validation: Raw | null;
  presets: Raw | null;
  verified_email: boolean;
}

/**
 * App roles and their policies: stored per workspace, checked against the schema when written, and
 * compiled per role into what the role may read. Compiled permissions are kept per schema version and
 * dropped on every instance when a policy or role changes.
 */
@Injectable()
export class PoliciesService implements OnModuleInit, OnModuleDestroy {
  private readonly byWorkspace: EvictedCache<{ policies: PolicyEntity[] }>;
  private readonly compiled = new WeakMap<PolicyEntity[], Map<string, ReadPermissions>>();

  constructor(
    @InjectRepository(AppRoleEntity) private readonly roles: Repository<AppRoleEntity>,
    @InjectRepository(PolicyEntity) private readonly policies: Repository<PolicyEntity>,
    private readonly registry: SchemaRegistry,
    @Inject(MESSAGE_BUS) bus: MessageBus,
    @InjectConfig('query') private readonly config: QueryConfig,
  ) {
    this.byWorkspace = new EvictedCache(bus, 'cache.policies', { ttlMs: 2_000, max: 20_000 });
  }

  onModuleInit(): Promise<void> {
    return this.byWorkspace.start();
  }

  onModuleDestroy(): Promise<void> {
    return this.byWorkspace.close();
  }

  /** Drops the cached policies of a workspace here and on every other instance. */
  evict(workspaceId: string): Promise<void> {
    return this.byWorkspace.evict(workspaceId);
  }

  // ----- the engine -----

  /** What an app role may read in a workspace, with the schema as the role sees it. */
  async readPermissions(workspace: Pick<WorkspaceEntity, 'id'>, schema: WorkspaceSchema, caller: AppCaller): Promise<ReadPermissions> {
    const loaded = (await this.byWorkspace.get(workspace.id, async () => ({ policies: await this.policies.findBy({ workspaceId: workspace.id }) })))!;
    let byRole = this.compiled.get(loaded.policies);
    if (!byRole) this.compiled.set(loaded.policies, (byRole = new Map()));
    const key = `${schema.version}:${caller.role}:${caller.emailVerified}`;
    let permissions = byRole.get(key);
    if (!permissions) {
      permissions = readPermissions(schema, this.readGrants(schema, loaded.policies, caller));
      byRole.set(key, permissions);
    }
    return permissions;
  }

  /** What an app role may do with one collection for a write action; null when nothing. */
  async writeGrant(workspace: Pick<WorkspaceEntity, 'id'>, schema: WorkspaceSchema, caller: AppCaller, collectionName: string, action: Exclude<PolicyAction, 'read'>): Promise<WriteGrant | null> {
    const { policies } = (await this.byWorkspace.get(workspace.id, async () => ({ policies: await this.policies.findBy({ workspaceId: workspace.id }) })))!;
    const policy = policies.find((p) => appliesTo(p, caller) && p.collection === collectionName && p.action === action);
    const collection = schema.collections.get(collectionName);
    if (!policy || !collection) return null;
    const fields = JSON.parse(policy.fields) as string[];
    const userFields = collection.fields.filter((field) => !field.system).map((field) => field.field);
    const validation = policy.validation === null ? {} : (JSON.parse(policy.validation) as Raw);
    return {
      fields: new Set(fields.includes('*') ? userFields : fields.filter((name) => userFields.includes(name))),
      filter: policy.filter === null ? null : this.parsePolicyFilter(schema, collectionName, JSON.parse(policy.filter)),
      validation: Object.fromEntries(Object.entries(validation).map(([name, spec]) => [name, parseValidation(spec, `validation.${name}`)])),
      presets: policy.presets === null ? {} : (JSON.parse(policy.presets) as Raw),
    };
  }

  /**
   * The policy a role has for one collection and action, whether or not it applies to a caller (it may
   * ask for a verified email): what an explanation names as the rule that decided.
   */
  async policyOf(workspace: Pick<WorkspaceEntity, 'id'>, role: string, collectionName: string, action: PolicyAction): Promise<{ policy: PolicyDto; appliesTo(caller: AppCaller): boolean } | null> {
    const { policies } = (await this.byWorkspace.get(workspace.id, async () => ({ policies: await this.policies.findBy({ workspaceId: workspace.id }) })))!;
    const policy = policies.find((p) => p.role === role && p.collection === collectionName && p.action === action);
    return policy ? { policy: toPolicyDto(policy), appliesTo: (caller) => appliesTo(policy, caller) } : null;
  }

  /** Whether an app role exists in a workspace: built in, or created there. */
  async roleExists(workspaceId: string, name: string): Promise<boolean> {
    return (BUILT_IN_ROLES as readonly string[]).includes(name) || this.roles.existsBy({ workspaceId, name });
  }

  private readGrants(schema: WorkspaceSchema, policies: PolicyEntity[], caller: AppCaller): Map<string, CollectionReadGrant> {
    const grants = new Map<string, CollectionReadGrant>();
    for (const policy of policies) {
      if (!appliesTo(policy, caller) || policy.action !== 'read') continue;
      const collection = schema.collections.get(policy.collection);
      // A policy on a collection dropped since is inert.
      if (!collection) continue;
      const fields = JSON.parse(policy.fields) as string[];
      const names = fields.includes('*') ? collection.fields.map((f) => f.field) : fields.filter((name) => findField(collection, name));
      const filter = policy.filter === null ? null : this.parsePolicyFilter(schema, policy.collection, JSON.parse(policy.filter));
      grants.set(policy.collection, { fields: new Set(names), filter });
    }
    return grants;
  }

  private parsePolicyFilter(schema: WorkspaceSchema, collectionName: string, filter: unknown) {
    const collection = schema.collections.get(collectionName)!;
    return parseFilter(schema, collection, filter, { parameter: 'filter', label: 'filter', maxDepth: this.config.maxDepth });
  }

  // ----- roles -----

  async listRoles(access: WorkspaceAccess): Promise<RoleDto[]> {
    const custom = await this.roles.find({ where: { workspaceId: access.workspace.id }, order: { name: 'ASC' } });
    return [...BUILT_IN_ROLES.map((name) => ({ name, description: null, built_in: true })), ...custom.map(toRoleDto)];
  }

  async createRole(access: WorkspaceAccess, body: unknown): Promise<RoleDto> {
    const input = objectBody(body);
    const name = roleName(input.name);
    if ((BUILT_IN_ROLES as readonly string[]).includes(name) || (await this.roles.existsBy({ workspaceId: access.workspace.id, name }))) {
      throw conflict(`The role "${name}" already exists.`, { field: 'name' });
    }
    const now = new Date();
    const role = this.roles.create({ id: randomUUID(), workspaceId: access.workspace.id, name, description: description(input.description), createdAt: now, updatedAt: now });
    await this.roles.insert(role);
    return toRoleDto(role);
  }

  async updateRole(access: WorkspaceAccess, name: string, body: unknown): Promise<RoleDto> {
    const input = objectBody(body);
    const role = await this.customRole(access, name);
    for (const key of Object.keys(input)) if (key !== 'description') throw invalidPayload(`Invalid payload: "${key}" cannot be changed.`, key);
    role.description = description(input.description);
    role.updatedAt = new Date();
    await this.roles.save(role);
    return toRoleDto(role);
  }

  /** Deletes a custom role and its policies. */
  async deleteRole(access: WorkspaceAccess, name: string): Promise<void> {
    const role = await this.customRole(access, name);
    await this.policies.delete({ workspaceId: access.workspace.id, role: role.name });
    await this.roles.delete({ id: role.id });
    await this.byWorkspace.evict(access.workspace.id);
  }

  /** Whether an app user may be given this role: `authenticated` or a custom role (`public` is for anonymous callers). */
  async assignableRole(workspaceId: string, name: string): Promise<boolean> {
    return name === 'authenticated' || this.roles.existsBy({ workspaceId, name });
  }

  private async customRole(access: WorkspaceAccess, name: string): Promise<AppRoleEntity> {
    if ((BUILT_IN_ROLES as readonly string[]).includes(name)) throw conflict(`The built-in role "${name}" cannot be changed.`);
    const role = await this.roles.findOneBy({ workspaceId: access.workspace.id, name });
    if (!role) throw notFound(`Role "${name}" not found.`);
    return role;
  }

  // ----- policies -----

  async listPolicies(access: WorkspaceAccess): Promise<PolicyDto[]> {
    const policies = await this.policies.find({ where: { workspaceId: access.workspace.id }, order: { role: 'ASC', collection: 'ASC', action: 'ASC' } });
    return policies.map(toPolicyDto);
  }

  async getPolicy(access: WorkspaceAccess, id: string): Promise<PolicyDto> {
    return toPolicyDto(await this.policy(access, id));
  }

  async createPolicy(access: WorkspaceAccess, body: unknown): Promise<PolicyDto> {
    const input = objectBody(body);
    const now = new Date();
    const policy = this.policies.create({ id: randomUUID(), workspaceId: access.workspace.id, createdAt: now, updatedAt: now });
    await this.assign(await this.target(access), policy, input, true);
    if (await this.policies.existsBy({ workspaceId: access.workspace.id, role: policy.role, collection: policy.collection, action: policy.action })) {
      throw conflict(`"${policy.role}" already has a ${policy.action} policy on "${policy.collection}"; change that one.`);
    }
    await this.policies.insert(policy);
    await this.byWorkspace.evict(access.workspace.id);
    return toPolicyDto(policy);
  }

  async updatePolicy(access: WorkspaceAccess, id: string, body: unknown): Promise<PolicyDto> {
    const input = objectBody(body);
    const policy = await this.policy(access, id);
    for (const key of ['role', 'collection', 'action']) {
      if (key in input) throw invalidPayload(`Invalid payload: "${key}" cannot be changed; create another policy.`, key);
    }
    await this.assign(await this.target(access), policy, input, false);
    policy.updatedAt = new Date();
    await this.policies.save(policy);
    await this.byWorkspace.evict(access.workspace.id);
    return toPolicyDto(policy);
  }

  async deletePolicy(access: WorkspaceAccess, id: string): Promise<void> {
    const policy = await this.policy(access, id);
    await this.policies.delete({ id: policy.id });
    await this.byWorkspace.evict(access.workspace.id);
  }

  /** What a policy of the workspace is checked against now. */
  private async target(access: WorkspaceAccess): Promise<PolicyTarget> {
    return { schema: await this.registry.forWorkspace(access.workspace), hasRole: (name) => this.roles.existsBy({ workspaceId: access.workspace.id, name }) };
  }

  private async policy(access: WorkspaceAccess, id: string): Promise<PolicyEntity> {
    const policy = await this.policies.findOneBy({ id, workspaceId: access.workspace.id });
    if (!policy) throw notFound('Policy not found.');
    return policy;
  }

  /** Checks the given parts of a policy against the roles and the schema, and sets them (schema snapshots check theirs here too). */
  async assign(target: PolicyTarget, policy: PolicyEntity, input: Raw, creating: boolean): Promise<void> {
    assertSafeTree(input, 'body');
    const known = new Set(['name', 'role', 'collection', 'action', 'filter', 'fields', 'validation', 'presets', 'verified_email']);
    for (const key of Object.keys(input)) if (!known.has(key)) throw invalidPayload(`Invalid payload: "${key}" is not a part of a policy.`, key);
    const schema = policySchema(target.schema, creating ? input.collection : policy.collection);
    if (creating) {
      policy.role = roleName(input.role, 'role');
      if (!(BUILT_IN_ROLES as readonly string[]).includes(policy.role) && !(await target.hasRole(policy.role))) {
        throw invalidPayload(`Invalid payload: there is no role "${policy.role}".`, 'role');
      }
      if (typeof input.collection !== 'string' || !schema.collections.has(input.collection)) {
        throw invalidPayload(`Invalid payload: there is no collection "${String(input.collection)}".`, 'collection');
      }
      policy.collection = input.collection;
      if (!POLICY_ACTIONS.includes(input.action as PolicyAction)) throw invalidPayload(`Invalid payload: "action" must be one of ${POLICY_ACTIONS.join(', ')}.`, 'action');
      policy.action = input.action as PolicyAction;
      // People are read through user fields only; nothing writes them through the items door.
      if (policy.collection === USERS && policy.action !== 'read') {
        throw invalidPayload(`Invalid payload: "${policy.collection}" can only be read: a policy on it has the action "read".`, 'action');
      }
      policy.fields = JSON.stringify(['*']);
      policy.requireVerifiedEmail = false;
      policy.filter = null;
      policy.validation = null;
      policy.presets = null;
      policy.name = null;
    }
    if ('name' in input) policy.name = policyName(input.name);
    const collection = schema.collections.get(policy.collection)!;
    if ('filter' in input) {
      if (input.filter !== null && !isRecord(input.filter)) throw invalidPayload('Invalid payload: "filter" must be an object in the query language, or null.', 'filter');
      if (input.filter === null || Object.keys(input.filter).length === 0) {
        policy.filter = null;
      } else {
        assertFilterVariables(input.filter, 'filter');
        this.parsePolicyFilter(schema, policy.collection, input.filter);
        policy.filter = JSON.stringify(input.filter);
      }
    }
    if ('verified_email' in input) {
      if (typeof input.verified_email !== 'boolean') throw invalidPayload('Invalid payload: "verified_email" must be true or false.', 'verified_email');
      policy.requireVerifiedEmail = input.verified_email;
    }
    if ('fields' in input) {
      if (!Array.isArray(input.fields) || input.fields.length === 0 || !input.fields.every((f) => typeof f === 'string')) {
        throw invalidPayload('Invalid payload: "fields" must be a non-empty list of field names, or ["*"].', 'fields');
      }
      for (const name of input.fields as string[]) {
        if (name !== '*' && !findField(collection, name)) throw invalidPayload(`Invalid payload: "${name}" is not a field of "${collection.name}".`, 'fields');
      }
      policy.fields = JSON.stringify(input.fields);
    }
    for (const part of ['validation', 'presets'] as const) {
      if (!(part in input)) continue;
      const value = input[part];
      if (value === null) {
        policy[part] = null;
        continue;
      }
      if (!isRecord(value)) throw invalidPayload(`Invalid payload: "${part}" must be an object keyed by field.`, part);
      for (const [name, spec] of Object.entries(value)) {
        const field = findField(collection, name);
        if (!field || field.system) throw invalidPayload(`Invalid payload: "${name}" is not a writable field of "${collection.name}".`, `${part}.${name}`);
        if (part === 'validation') parseValidation(spec, `validation.${name}`);
        else presetValue(field, spec, `presets.${name}`, null);
      }
      policy[part] = JSON.stringify(value);
    }
  }
}

/**
 * The schema a policy's collection is checked against: the workspace's, or files' and folders' for
 * those names (unless the workspace has a collection of its own so named, from before they were reserved).
 */
export function policySchema(schema: WorkspaceSchema, collection: unknown): WorkspaceSchema {
  return isFilesCollection(collection) && !schema.collections.has(collection) ? filesSchema(schema.workspaceId) : schema;
}

function objectBody(body: unknown): Raw {
  if (!isRecord(body)) throw invalidPayload('Invalid payload: the request body must be a JSON object.');
  return body;
}

export function roleName(value: unknown, field = 'name'): string {
  if (typeof value !== 'string' || !ROLE_NAME.test(value)) {
    throw invalidPayload(`Invalid payload: "${field}" must be a role name: lower-case letters, digits and _, starting with a letter, at most 64.`, field);
  }
  return value;
}

/** A policy's name: a text of 1 to 100 characters, or null for none. */
export function policyName(value: unknown): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string' || value.trim() === '' || value.length > 100) throw invalidPayload('Invalid payload: "name" must be a text of 1 to 100 characters, or null.', 'name');
  return value.trim();
}

export function description(value: unknown): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string' || value.length > 2000) throw invalidPayload('Invalid payload: "description" must be a text of at most 2000 characters.', 'description');
  return value;
}

function toRoleDto(role: AppRoleEntity): RoleDto {
  return { name: role.name, description: role.description, built_in: false };
}

export function toPolicyDto(policy: PolicyEntity): PolicyDto {
  const json = (value: string | null) => (value === null ? null : (JSON.parse(value) as Raw));
  return {
    id: policy.id,
    name: policy.name,
    role: policy.role,
    collection: policy.collection,
    action: policy.action,
    filter: json(policy.filter),
    fields: JSON.parse(policy.fields) as string[],
    validation: json(policy.validation),
    presets: json(policy.presets),
    verified_email: policy.requireVerifiedEmail,
  };
}

/** Whether a policy grants anything to this caller: its role, and a verified email when it asks for one. */
function appliesTo(policy: PolicyEntity, caller: AppCaller): boolean {
  return policy.role === caller.role && (!policy.requireVerifiedEmail || caller.emailVerified);
}
