import { Injectable } from '@nestjs/common';
import { AppError, invalidPayload, notFound } from '../../../common/errors/app-error';
import { imageMatches, keysMatching } from '../../../engine/read/query-runner';
import { encodeRow } from '../../../engine/sql/value-codec';
import { ApiKeysService } from '../../api-keys/api-keys.service';
import { AppUsersService } from '../../app-users/app-users.service';
import { appCaller, PoliciesService, PolicyDto } from '../../policies/policies.service';
import type { PolicyAction } from '../../policies/policy.entities';
import { checkWritableFields, withGrantValidation, withPresets } from '../../policies/write-permissions';
import { findField, findRelationalField } from '../../schema/schema.lookup';
import { SchemaRegistry } from '../../schema/schema.registry';
import type { CollectionDef, WorkspaceSchema } from '../../schema/schema.types';
import { memberMay, WorkspaceRole } from '../../workspaces/workspace-roles';
import { AppRoleAccess, isAppRoleAccess, ItemsAccess, WorkspaceAccess } from '../../workspaces/workspaces.service';
import { keyFromBody } from '../items.keys';
import { GrantedTarget, ItemTargets, queryContext, Target } from '../items.targets';
import { ItemsReader } from '../read/items.reader';
import { systemStamp, updateStamp } from '../write/item-table';
import { ItemValidator } from '../write/item-validator';
import { ExplainedPrincipal, ExplainRequest, parseExplainRequest, parseViewItemsRequest } from './explain.request';

type Raw = Record<string, unknown>;

/** What decided whether the principal may take the action on the collection at all. */
export type ExplainedRule =
  | { kind: 'member_role'; role: WorkspaceRole }
  | { kind: 'api_key_scope'; role: WorkspaceRole }
  | { kind: 'policy'; policy: PolicyDto }
  | { kind: 'no_policy'; role: string }
  | { kind: 'verified_email'; policy: PolicyDto }
  | { kind: 'read_only'; role: string }
  | { kind: 'suspended'; role: string };

/** The rule a member role, an API key's role or an app role's policies give for an action, before what else may refuse it. */
type GrantingRule = Exclude<ExplainedRule, { kind: 'read_only' | 'suspended' }>;

export interface Explanation {
  allowed: boolean;
  reason: string;
  principal: { kind: ExplainedPrincipal['kind']; description: string };
  rule: ExplainedRule;
  fields: {
    readable: string[];
    hidden: Array<{ field: string; reason: string }>;
    writable?: string[];
    presets?: Raw;
  };
  item?: { exists: boolean; visible?: boolean; reachable?: boolean; reason: string };
  data?: {
    accepted: boolean;
    reason: string;
    code?: string;
    field?: string;
    values?: Raw;
    /** Whether the row the write leaves matches the write policy's filter (absent: no filter, or not checked). */
    within?: boolean;
  };
}

/**
 * The items a principal would read, as `GET /items` answers them to it, with the fields hidden from it
 * and the verdict on its read of the collection (`access`: when refused, no rows and the reason).
 */
export interface ItemsView {
  data: Raw[];
  meta: { total_count: number; filter_count: number };
  hidden_fields: Array<{ field: string; reason: string }>;
  access: Pick<Explanation, 'allowed' | 'reason' | 'principal' | 'rule'>;
}

/** A principal as the items door would see it, with how an explanation names it. */
interface ResolvedPrincipal {
  access: ItemsAccess;
  description: string;
  /** Why none of its requests gets to the door (a suspended app user), if so. */
  blocked: string | null;
}

/**
 * Explains what a principal may do with a collection, an item or a write, without doing it: the items
 * door's own checks (ItemTargets for the member role, the API key's role or the app role's policy; the
 * read scope through the query runner; the writer's field, preset and validation steps), run for a
 * principal an admin names instead of the caller.
 */
@Injectable()
export class ItemsExplainer {
  constructor(
    private readonly registry: SchemaRegistry,
    private readonly targets: ItemTargets,
    private readonly policies: PoliciesService,
    private readonly reader: ItemsReader,
    private readonly appUsers: AppUsersService,
    private readonly apiKeys: ApiKeysService,
  ) {}

  async explain(admin: WorkspaceAccess, body: unknown): Promise<Explanation> {
    const request = parseExplainRequest(body);
    const schema = await this.registry.forWorkspace(admin.workspace);
    const collection = schema.collections.get(request.collection);
    if (!collection) throw notFound(`Collection "${request.collection}" not found.`);
    checkNames(schema, collection, request);
    const key = request.id === undefined ? undefined : keyFromBody(collection, request.id, 'id');
    const principal = await this.resolve(admin, request.as);
    const { access } = principal;

    const decided = await this.decide(principal, collection, request.action);
    const fields = await this.readableFields(access, schema, collection);
    const explanation: Explanation = {
      allowed: decided.target !== null,
      reason: decided.reason,
      principal: { kind: request.as.kind, description: principal.description },
      rule: decided.rule,
      fields: request.action === 'create' || request.action === 'update' ? { ...fields, ...writableFields(decided.target, collection) } : fields,
    };
    if (!decided.target) return explanation;

    /** The refusals found on the way, in the order a real request meets them. */
    const refusals: string[] = [];
    const policy = decided.rule.kind === 'policy' ? decided.rule.policy : null;
    for (const name of request.fields ?? []) {
      const hidden = fields.hidden.find((field) => field.field === name);
      if (hidden) refusals.push(`"${name}" is hidden from ${principal.description}: ${hidden.reason}; a read that names it is refused (400).`);
    }
    // In the real request's order: the data is checked first (403, 400, 422), then the item is looked
    // for (404), then the row the write leaves is held to the policy's filter (403).
    const item = key === undefined ? undefined : await this.explainItem(decided.target, request.action, key, policy);
    if (request.data !== undefined) {
      const stored = item?.exists ? key : null;
      explanation.data = await this.explainData(decided.target as GrantedTarget, request.action, request.data, policy, stored);
      if (!explanation.data.accepted) refusals.push(explanation.data.reason);
    }
    if (item) {
      explanation.item = item;
      const reached = item.visible ?? item.reachable;
      if (!reached) refusals.push(item.reason);
      else explanation.reason = `${explanation.reason} ${item.reason}`;
    }
    if (explanation.data?.within === false) refusals.push(explanation.data.reason);
    if (refusals.length > 0) {
      explanation.allowed = false;
      explanation.reason = refusals.join(' ');
    }
    return explanation;
  }

  /**
   * Reads a collection's items as the principal would: its access built as for `explain`, then the
   * reader's own line (parse against what it may see, its policy merged in, run). Reads only.
   */
  async viewItems(admin: WorkspaceAccess, body: unknown): Promise<ItemsView> {
    const request = parseViewItemsRequest(body);
    const schema = await this.registry.forWorkspace(admin.workspace);
    const collection = schema.collections.get(request.collection);
    if (!collection) throw notFound(`Collection "${request.collection}" not found.`);
    const principal = await this.resolve(admin, request.as);
    const decided = await this.decide(principal, collection, 'read');
    const { hidden } = await this.readableFields(principal.access, schema, collection);
    const access = { allowed: decided.target !== null, reason: decided.reason, principal: { kind: request.as.kind, description: principal.description }, rule: decided.rule };
    if (!decided.target) return { data: [], meta: { total_count: 0, filter_count: 0 }, hidden_fields: hidden, access };
    const read = await this.reader.list(principal.access, { collection: collection.name, params: { ...request.query, meta: 'total_count,filter_count' } });
    const meta = { total_count: read.meta?.total_count ?? 0, filter_count: read.meta?.filter_count ?? 0 };
    return { data: read.data as Raw[], meta, hidden_fields: hidden, access };
  }

  // ----- who -----

  private async resolve(admin: WorkspaceAccess, as: ExplainedPrincipal): Promise<ResolvedPrincipal> {
    const { workspace } = admin;
    switch (as.kind) {
      case 'member_role':
        return { access: { ...admin, role: as.role }, description: `a member with the ${as.role} role`, blocked: null };
      case 'api_key': {
        const key = await this.apiKeys.findById(workspace.id, as.id);
        if (!key) throw notFound('API key not found.');
        const access: WorkspaceAccess = { workspace, role: key.role, principal: { kind: 'api_key', apiKeyId: key.id, workspaceId: workspace.id, role: key.role } };
        return { access, description: `the API key "${key.name}" (role ${key.role})`, blocked: null };
      }
      case 'app_user': {
        const user = await this.appUsers.findById(workspace.id, as.id);
        if (!user) throw notFound('App user not found.');
        const emailVerified = user.emailVerifiedAt !== null;
        const access: AppRoleAccess = {
          workspace,
          appRole: user.role,
          principal: { kind: 'app_user', appUserId: user.id, workspaceId: workspace.id, role: user.role, email: user.email, emailVerified },
        };
        const blocked = user.status === 'active' ? null : `The app user ${user.email} is ${user.status}: every request with their tokens is refused (401).`;
        return { access, description: `the app user ${user.email} (role ${user.role}${emailVerified ? '' : ', email not verified'})`, blocked };
      }
      case 'app_role':
        if (!(await this.policies.roleExists(workspace.id, as.role))) throw notFound(`Role "${as.role}" not found.`);
        return { access: { workspace, appRole: as.role, principal: null }, description: `the app role ${as.role} (no app user: $CURRENT_USER is null, email not verified)`, blocked: null };
      case 'anonymous':
        return { access: { workspace, appRole: 'public', principal: null }, description: 'an anonymous caller (role public)', blocked: null };
    }
  }

  // ----- the collection -----

  /** The door's own check of the action on the collection, and the rule behind its answer. */
  private async decide(principal: ResolvedPrincipal, collection: CollectionDef, action: PolicyAction): Promise<{ target: Target | GrantedTarget | null; rule: ExplainedRule; reason: string }> {
    const { access, description } = principal;
    const rule = await this.ruleOf(access, collection.name, action);
    if (principal.blocked) return { target: null, rule: { kind: 'suspended', role: (access as AppRoleAccess).appRole }, reason: principal.blocked };
    let target: Target | GrantedTarget;
    try {
      target = action === 'read' ? await this.targets.read(access, collection.name) : await this.targets.write(access, collection.name, action);
    } catch (error) {
      if (!(error instanceof AppError) || error.code !== 'FORBIDDEN') throw error;
      return { target: null, ...refusalOf(rule, error, description, collection.name, action) };
    }
    return { target, rule, reason: allowedReason(rule, description, collection.name, action) };
  }

  private async ruleOf(access: ItemsAccess, collection: string, action: PolicyAction): Promise<GrantingRule> {
    if (!isAppRoleAccess(access)) return { kind: access.principal.kind === 'api_key' ? 'api_key_scope' : 'member_role', role: access.role };
    const found = await this.policies.policyOf(access.workspace, access.appRole, collection, action);
    if (!found) return { kind: 'no_policy', role: access.appRole };
    if (!found.appliesTo(appCaller(access))) return { kind: 'verified_email', policy: found.policy };
    return { kind: 'policy', policy: found.policy };
  }

  /** The fields the principal reads, and why each other one is hidden. */
  private async readableFields(access: ItemsAccess, schema: WorkspaceSchema, collection: CollectionDef): Promise<Explanation['fields']> {
    const all = collection.fields.map((field) => field.field);
    if (!isAppRoleAccess(access)) return { readable: all, hidden: [] };
    const permissions = await this.policies.readPermissions(access.workspace, schema, appCaller(access));
    const visible = permissions.visibleSchema.collections.get(collection.name);
    if (!visible) return { readable: [], hidden: all.map((field) => ({ field, reason: `the role ${access.appRole} has no read policy on "${collection.name}" that applies` })) };
    const readable = visible.fields.map((field) => field.field);
    const policy = await this.policies.policyOf(access.workspace, access.appRole, collection.name, 'read');
    const reason = `not among the fields of ${policy ? policyLabel(policy.policy) : 'the read policy'}`;
    return { readable, hidden: all.filter((field) => !readable.includes(field)).map((field) => ({ field, reason })) };
  }

  // ----- an item -----

  /**
   * Whether the action reaches an item: it exists, and it matches the row filter that bounds the action
   * (the read policy's for a read, the write policy's for an update or delete), asked of the database
   * with the principal's variables, as the real request's statement asks it.
   */
  private async explainItem(target: Target | GrantedTarget, action: PolicyAction, key: unknown, policy: PolicyDto | null): Promise<NonNullable<Explanation['item']>> {
    const { collection } = target;
    const read = { schema: target.schema, ctx: queryContext(target.access), ...this.reader.source(collection) };
    const reach = action === 'read' ? 'visible' : 'reachable';
    const exists = (await keysMatching(collection, [key], null, { lock: false }, read)).length === 1;
    if (!exists) return { exists, [reach]: false, reason: `No item of "${collection.name}" has the id ${JSON.stringify(key)} (404).` };
    const filter = action === 'read' ? (target.permissions?.grants.get(collection.name)?.filter ?? null) : ((target as GrantedTarget).grant?.filter ?? null);
    if (filter === null) return { exists, [reach]: true, reason: policy ? `${policyLabel(policy)} has no row filter: the item is ${reach}.` : `Members reach every row: the item is ${reach}.` };
    const matches = (await keysMatching(collection, [key], filter, { lock: false }, read)).length === 1;
    const described = `${policyLabel(policy!)} filters ${JSON.stringify(policy!.filter)}`;
    if (action === 'read') return { exists, visible: matches, reason: matches ? `The item matches: ${described}.` : `Row hidden: ${described} (404).` };
    return { exists, reachable: matches, reason: matches ? `The item matches: ${described}.` : `Row out of reach: ${described}, and the item does not match (404).` };
  }

  // ----- a write's data -----

  /**
   * What the writer would make of the data before any statement: the fields the policy lets the role
   * set (403), the presets forced on, then the fields' and the policy's validation (400, 422).
   */
  private async explainData(target: GrantedTarget, action: PolicyAction, data: Raw, policy: PolicyDto | null, stored: unknown): Promise<NonNullable<Explanation['data']>> {
    const { grant, collection } = target;
    let checked: Raw;
    try {
      let values: unknown = data;
      if (grant) {
        checkWritableFields(data, grant, action, '');
        values = withPresets(data, grant, collection, queryContext(target.access));
      }
      const validator = new ItemValidator(target.schema, grant ? withGrantValidation(collection, grant) : collection);
      checked = action === 'create' ? validator.forCreate(values, '') : validator.forUpdate(values, '');
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      const field = typeof error.extensions.field === 'string' ? error.extensions.field : undefined;
      return { accepted: false, reason: dataRefusal(error, field, grant ? policy : null), code: error.code, field };
    }
    const accepted = { accepted: true, reason: `The data passes the fields, presets and validation of this ${action}.`, values: checked };
    if (!grant?.filter) return accepted;
    const filter = `${policyLabel(policy!)} filters ${JSON.stringify(policy!.filter)}`;
    // The row a write leaves is checked when the image can be built here: a create's, or an update's of an existing item on Cairn's own database.
    if (collection.external || (action === 'update' && stored === null)) {
      return { ...accepted, reason: `${accepted.reason} The written row must also match: ${filter}; that is checked only when it is written.` };
    }
    const { dialect, run } = this.reader.source(collection);
    const row = action === 'create' ? { ...checked, ...systemStamp(target.access) } : { ...checked, ...updateStamp(target.access) };
    const image = { key: action === 'create' ? null : stored, values: encodeRow(collection, row, dialect.kind) };
    const within = await imageMatches(collection, image, grant.filter, { schema: target.schema, ctx: queryContext(target.access), dialect, run });
    if (within) return { ...accepted, within, reason: `${accepted.reason} The written row would match: ${filter}.` };
    return { ...accepted, within, reason: `${accepted.reason} But the row this ${action} would leave is outside what the role may write: ${filter}, and the written row would not match (403).` };
  }
}

/** Names in `fields` and keys of `data` that are no field of the collection are bad input (400), as the real request's would be. */
function checkNames(schema: WorkspaceSchema, collection: CollectionDef, request: ExplainRequest): void {
  const known = (name: string) => findField(collection, name) !== undefined || findRelationalField(schema, collection.name, name) !== null;
  (request.fields ?? []).forEach((name, index) => {
    if (!known(name)) throw invalidPayload(`Invalid payload: "${name}" is not a field of "${collection.name}".`, `fields.${index}`);
  });
  for (const name of Object.keys(request.data ?? {})) {
    if (!known(name)) throw invalidPayload(`Invalid payload: "${name}" is not a field of "${collection.name}".`, `data.${name}`);
  }
}

function writableFields(target: Target | GrantedTarget | null, collection: CollectionDef): Pick<Explanation['fields'], 'writable' | 'presets'> {
  if (!target) return { writable: [] };
  const grant = (target as GrantedTarget).grant;
  if (!grant) return { writable: collection.fields.filter((field) => !field.system).map((field) => field.field) };
  return { writable: [...grant.fields], presets: grant.presets };
}

export function policyLabel(policy: PolicyDto): string {
  return `policy ${policy.name === null ? policy.id : `"${policy.name}"`} (${policy.role} may ${policy.action} "${policy.collection}")`;
}

/** Why the door let the action through: only a member role, an API key's role or an applying policy does. */
function allowedReason(rule: GrantingRule, who: string, collection: string, action: PolicyAction): string {
  if (rule.kind === 'policy') return `${capitalized(who)} may ${action} "${collection}" by ${policyLabel(rule.policy)}.`;
  return `${capitalized(who)} may ${action} the items of "${collection}": viewers and up read, editors and up write, every row and field.`;
}

/** Why the door refused the action on the collection, with the rule that decided it. */
/**
 * Why the door refused the action on the collection, with the rule that decided it: the role or the
 * policies, or else (the role or a policy would allow it) the collection itself, a read-only table.
 */
function refusalOf(rule: GrantingRule, error: AppError, who: string, collection: string, action: PolicyAction): { rule: ExplainedRule; reason: string } {
  const readOnly = (role: string) => ({ rule: { kind: 'read_only' as const, role }, reason: `${error.message} (403)` });
  switch (rule.kind) {
    case 'member_role':
    case 'api_key_scope':
      if (memberMay(rule.role, action)) return readOnly(rule.role);
      return { rule, reason: `${capitalized(who)} may not ${action} items of "${collection}": ${error.message} (403)` };
    case 'no_policy':
      return { rule, reason: `${capitalized(who)} may not ${action} items of "${collection}": the role ${rule.role} has no ${action} policy on it (403).` };
    case 'verified_email':
      return { rule, reason: `${capitalized(who)} may not ${action} items of "${collection}": ${policyLabel(rule.policy)} applies only to app users with a verified email (403).` };
    case 'policy':
      return readOnly(rule.policy.role);
  }
}

function dataRefusal(error: AppError, field: string | undefined, policy: PolicyDto | null): string {
  const status = `(${error.status})`;
  if (!policy || !field) return `${error.message} ${status}`;
  if (error.code === 'FORBIDDEN') return `${error.message} It is not among the fields ${policyLabel(policy)} lets the role set ${status}.`;
  if (policy.presets && field in policy.presets) return `${error.message} The value is the preset of ${policyLabel(policy)} ${status}.`;
  if (policy.validation && field in policy.validation) return `${error.message} The rule is ${policyLabel(policy)}'s validation ${status}.`;
  return `${error.message} ${status}`;
}

function capitalized(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
