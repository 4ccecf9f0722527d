import { invalidPayload } from '../../../common/errors/app-error';
import { isRecord } from '../../../engine/query/filter.parser';
import { POLICY_ACTIONS, PolicyAction } from '../../policies/policy.entities';
import { WORKSPACE_ROLES, WorkspaceRole } from '../../workspaces/workspace-roles';

type Raw = Record<string, unknown>;

/** Who an explanation is about: a principal as a request would carry it, named by an admin. */
export type ExplainedPrincipal =
  | { kind: 'member_role'; role: WorkspaceRole }
  | { kind: 'app_role'; role: string }
  | { kind: 'app_user'; id: string }
  | { kind: 'api_key'; id: string }
  | { kind: 'anonymous' };

/** What `POST /explain` is asked: a principal, a collection and an action, and optionally an item, a write's data or the fields a read names. */
export interface ExplainRequest {
  as: ExplainedPrincipal;
  collection: string;
  action: PolicyAction;
  id?: unknown;
  data?: Raw;
  fields?: string[];
}

const PRINCIPAL_KINDS = ['member_role', 'app_role', 'app_user', 'api_key', 'anonymous'] as const;

/** Reads an explain body; anything malformed is 400 naming the part (`as`, `action`, `data`…). */
export function parseExplainRequest(body: unknown): ExplainRequest {
  if (!isRecord(body)) throw invalidPayload('Invalid payload: the request body must be a JSON object.');
  const known = new Set(['as', 'collection', 'action', 'id', 'data', 'fields']);
  for (const key of Object.keys(body)) if (!known.has(key)) throw invalidPayload(`Invalid payload: "${key}" is not a part of an explain request.`, key);
  const as = principalOf(body.as);
  if (typeof body.collection !== 'string' || body.collection === '') throw invalidPayload('Invalid payload: "collection" must be the name of a collection.', 'collection');
  if (!POLICY_ACTIONS.includes(body.action as PolicyAction)) throw invalidPayload(`Invalid payload: "action" must be one of ${POLICY_ACTIONS.join(', ')}.`, 'action');
  const action = body.action as PolicyAction;
  const request: ExplainRequest = { as, collection: body.collection, action };
  if (body.id !== undefined) {
    if (action === 'create') throw invalidPayload('Invalid payload: a create names no item; leave out "id".', 'id');
    request.id = body.id;
  }
  if (body.data !== undefined) {
    if (action !== 'create' && action !== 'update') throw invalidPayload(`Invalid payload: a ${action} writes no data; leave out "data".`, 'data');
    if (!isRecord(body.data)) throw invalidPayload('Invalid payload: "data" must be an item as a JSON object.', 'data');
    request.data = body.data;
  }
  if (body.fields !== undefined) {
    if (action !== 'read') throw invalidPayload('Invalid payload: "fields" names what a read uses; a write names its fields in "data".', 'fields');
    if (!Array.isArray(body.fields) || !body.fields.every((field) => typeof field === 'string')) throw invalidPayload('Invalid payload: "fields" must be a list of field names.', 'fields');
    request.fields = body.fields as string[];
  }
  return request;
}

function principalOf(raw: unknown): ExplainedPrincipal {
  const shape = `"as" must be one of {"member_role": role}, {"app_role": role}, {"app_user": id}, {"api_key": id}, {"anonymous": true}`;
  if (!isRecord(raw)) throw invalidPayload(`Invalid payload: ${shape}.`, 'as');
  const keys = Object.keys(raw);
  const kind = keys[0] as (typeof PRINCIPAL_KINDS)[number];
  if (keys.length !== 1 || !PRINCIPAL_KINDS.includes(kind)) throw invalidPayload(`Invalid payload: ${shape}.`, 'as');
  const value = raw[kind];
  const where = `as.${kind}`;
  switch (kind) {
    case 'anonymous':
      if (value !== true) throw invalidPayload('Invalid payload: "as.anonymous" must be true.', where);
      return { kind };
    case 'member_role':
      if (!WORKSPACE_ROLES.includes(value as WorkspaceRole)) throw invalidPayload(`Invalid payload: "as.member_role" must be one of ${WORKSPACE_ROLES.join(', ')}.`, where);
      return { kind, role: value as WorkspaceRole };
    case 'app_role':
      if (typeof value !== 'string' || value === '') throw invalidPayload('Invalid payload: "as.app_role" must be the name of an app role.', where);
      return { kind, role: value };
    case 'app_user':
    case 'api_key':
      if (typeof value !== 'string' || value === '') throw invalidPayload(`Invalid payload: "${where}" must be an id.`, where);
      return { kind, id: value };
  }
}

/** The query parameters a view of the items takes: those of `GET /items` that say which rows and fields, not aggregates or meta. */
export const VIEW_QUERY_PARAMETERS = ['filter', 'sort', 'limit', 'offset', 'page', 'fields', 'search', 'deep'] as const;

/** What `POST /explain/items` is asked: a principal, a collection, and the read's query parameters as `GET /items` takes them. */
export interface ViewItemsRequest {
  as: ExplainedPrincipal;
  collection: string;
  query: Record<string, unknown>;
}

/** Reads a view-items body; anything malformed is 400 naming the part (`as`, `collection`, `query.<name>`). */
export function parseViewItemsRequest(body: unknown): ViewItemsRequest {
  if (!isRecord(body)) throw invalidPayload('Invalid payload: the request body must be a JSON object.');
  const known = new Set(['as', 'collection', 'query']);
  for (const key of Object.keys(body)) if (!known.has(key)) throw invalidPayload(`Invalid payload: "${key}" is not a part of a view of the items.`, key);
  const as = principalOf(body.as);
  if (typeof body.collection !== 'string' || body.collection === '') throw invalidPayload('Invalid payload: "collection" must be the name of a collection.', 'collection');
  const query = body.query ?? {};
  if (!isRecord(query)) throw invalidPayload('Invalid payload: "query" must be an object of query parameters (filter, sort, limit…).', 'query');
  for (const key of Object.keys(query)) {
    if (!(VIEW_QUERY_PARAMETERS as readonly string[]).includes(key)) {
      throw invalidPayload(`Invalid payload: "query.${key}" is not a parameter of a view; use ${VIEW_QUERY_PARAMETERS.join(', ')}.`, `query.${key}`);
    }
  }
  return { as, collection: body.collection, query };
}
