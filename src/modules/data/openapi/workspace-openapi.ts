import { fieldType } from '../../schema/field-types';
import { listedCollections } from '../../schema/relation-targets';
import { findRelationalField, relationalFields } from '../../schema/schema.lookup';
import type { CollectionDef, FieldDef, WorkspaceSchema } from '../../schema/schema.types';
import type { VirtualCollectionInfo } from '../virtual-collections';

type Schema = Record<string, unknown>;

const QUERY_PARAMETERS: Record<string, { description: string; example?: string }> = {
  fields: { description: 'Comma list of fields, `*`, relation paths (`author.name`, `comments.*`), and `count(comments)` of a to-many relation, answered as `comments_count`.', example: '*,author.name' },
  filter: { description: 'A filter in the query language, as JSON (or bracket form `filter[field][_op]=value`).', example: '{"status":{"_eq":"published"}}' },
  sort: { description: 'Comma list of fields; `-` for descending; many-to-one paths and `count(comments)` allowed.', example: '-created_at' },
  limit: { description: 'How many items (default 100).' },
  offset: { description: 'How many items to skip.' },
  page: { description: 'Page number, counting from 1, of `limit` items.' },
  search: { description: 'Case-insensitive match across text fields.' },
  meta: { description: '`total_count`, `filter_count` or `*`.' },
  aggregate: { description: 'JSON such as `{"count":"*","sum":["price"]}` or `aggregate[count]=*`; fields of the collection or many-to-one paths (`aggregate[sum]=post.views`).' },
  groupBy: { description: 'Comma list of fields, or many-to-one paths (`author.name`), to group aggregates by.' },
  deep: { description: 'Per-relation `_filter`, `_sort`, `_limit`, `_offset`, as JSON.' },
  export: { description: '`csv` or `json`: the whole result (every page unless `limit`, `offset` or `page` is given) as a file download; `fields` picks its columns.' },
};

function fieldSchema(field: FieldDef): Schema {
  return { ...fieldType(field.type).openApi(field), nullable: true, ...(field.note ? { description: field.note } : {}), ...(field.system ? { readOnly: true } : {}) };
}

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const data = (schema: Schema, meta = false) => ({
  'application/json': { schema: { type: 'object', properties: { data: schema, ...(meta ? { meta: { type: 'object', additionalProperties: { type: 'integer' } } } : {}) } } },
});
const errors = (...statuses: number[]) =>
  Object.fromEntries(statuses.map((status) => [String(status), { description: 'Error', content: { 'application/json': { schema: ref('Errors') } } }]));

function itemSchema(schema: WorkspaceSchema, collection: CollectionDef): Schema {
  const properties: Record<string, Schema> = {};
  for (const field of collection.fields) {
    const relation = findRelationalField(schema, collection.name, field.field);
    properties[field.field] = relation?.kind === 'm2o' ? { oneOf: [fieldSchema(field), ref(relation.related)], nullable: true } : fieldSchema(field);
  }
  for (const relation of relationalFields(schema, collection.name).filter((r) => r.kind !== 'm2o')) {
    properties[relation.field] = { type: 'array', readOnly: true, items: { oneOf: [{ type: 'object' }, ref(relation.related)] }, description: `${relation.kind === 'o2m' ? 'One-to-many' : 'Many-to-many'} to ${relation.related}; read with fields=${relation.field}.*` };
  }
  return { type: 'object', properties };
}

/**
 * The body of a create or an update: the fields the caller may write; a many-to-one as its key or as the
 * related item (a nested write), a one-to-many or many-to-many alias as the related items or keys, or
 * the detailed form.
 */
function inputSchema(schema: WorkspaceSchema, collection: CollectionDef, writable: ReadonlySet<string> | null): Schema {
  const fields = collection.fields.filter((field) => !field.system && !fieldType(field.type).generated && (writable === null || writable.has(field.field)));
  const required = fields.filter((field) => field.required).map((field) => field.field);
  const properties: Record<string, Schema> = {};
  const related = { type: 'object', description: 'A related item: created, or updated when it carries its key (a nested write).' };
  for (const field of fields) {
    const relation = findRelationalField(schema, collection.name, field.field);
    properties[field.field] = relation?.kind === 'm2o' ? { oneOf: [fieldSchema(field), related], nullable: true } : fieldSchema(field);
  }
  for (const relation of relationalFields(schema, collection.name).filter((r) => r.kind !== 'm2o')) {
    const items = { type: 'array', items: { oneOf: [related, { type: schema.collections.get(relation.related)?.primaryKey === 'integer' ? 'integer' : 'string' }] } };
    properties[relation.field] = {
      oneOf: [items, { type: 'object', additionalProperties: false, properties: { create: { type: 'array', items: related }, update: { type: 'array', items: related }, delete: { type: 'array', items: {} } } }],
      description: `The related ${relation.related} items (a nested write): a list is the whole set; {create, update, delete} changes it.`,
    };
  }
  return { type: 'object', additionalProperties: false, properties, ...(required.length ? { required } : {}) };
}

/** What one caller may do with a collection: read it, create or update these fields, delete. */
export interface CollectionActions {
  read: boolean;
  create: ReadonlySet<string> | null;
  update: ReadonlySet<string> | null;
  delete: boolean;
}

/** A caller's view of the API, for a document of its own: the schema as it reads it, and its actions. */
export interface ApiView {
  visible: WorkspaceSchema;
  actions(collection: string): CollectionActions;
}

/**
 * The OpenAPI document of one workspace's generated API: every collection's item routes with its
 * item and input schemas, and the query language's parameters. Built from the registry alone; with a
 * view, only what that caller may use: the collections, fields and routes its policies grant.
 */
export function workspaceOpenApi(
  schema: WorkspaceSchema,
  workspace: { slug: string; name: string },
  serverUrl: string,
  view: ApiView | null = null,
  virtual: readonly VirtualCollectionInfo[] = [],
): Schema {
  const actionsOf = (name: string) => view?.actions(name) ?? { read: true, create: null, update: null, delete: true };
  const usable = (actions: CollectionActions) => view === null || actions.read || actions.create !== null || actions.update !== null || actions.delete;
  // The tables fields relate to (files, people) have no routes here: they are described as what those fields expand to.
  const collections = listedCollections(schema).filter((c) => usable(actionsOf(c.name))).sort((a, b) => a.name.localeCompare(b.name));
  const readSchema = view?.visible ?? schema;
  // The files and people, as the fields that relate to them expand to them: schemas of their own, no items routes.
  const targets = [...readSchema.collections.values()].filter((c) => c.relationTargetOnly);
  const paths: Record<string, Schema> = {};
  const listParameters = Object.keys(QUERY_PARAMETERS).map((name) => ({ $ref: `#/components/parameters/${name}` }));
  for (const collection of collections) {
    const actions = actionsOf(collection.name);
    const tags = [collection.name];
    const item = actions.read ? ref(collection.name) : { type: 'object', nullable: true, description: 'Nothing of it is readable by you.' };
    const input = ref(`${collection.name}_input`);
    const key = { name: 'id', in: 'path', required: true, schema: { type: collection.primaryKey === 'integer' ? 'integer' : 'string' } };
    paths[`/items/${collection.name}`] = {
      get: {
        tags,
        summary: `List ${collection.name}`,
        operationId: `list_${collection.name}`,
        parameters: listParameters,
        responses: { 200: { description: 'Items; with `export`, a CSV or JSON file', content: { ...data({ type: 'array', items: item }, true), 'text/csv': { schema: { type: 'string' } } } }, ...errors(400, 401, 403) },
      },
      post: {
        tags,
        summary: `Create ${collection.name} (one or a batch)`,
        operationId: `create_${collection.name}`,
        parameters: [{ $ref: '#/components/parameters/fields' }],
        requestBody: { required: true, content: { 'application/json': { schema: { oneOf: [input, { type: 'array', items: input }] } } } },
        responses: { 200: { description: 'Created', content: data({ oneOf: [item, { type: 'array', items: item }] }) }, ...errors(400, 401, 403, 409, 422) },
      },
      patch: {
        tags,
        summary: `Update several ${collection.name}`,
        operationId: `update_many_${collection.name}`,
        requestBody: { required: true, content: { 'application/json': { schema: { oneOf: [{ type: 'object', properties: { keys: { type: 'array', items: {} }, data: input } }, { type: 'array', items: input }] } } } },
        responses: { 200: { description: 'Updated', content: data({ type: 'array', items: item }) }, ...errors(400, 401, 403, 422) },
      },
      delete: {
        tags,
        summary: `Delete several ${collection.name}`,
        operationId: `delete_many_${collection.name}`,
        requestBody: { content: { 'application/json': { schema: { oneOf: [{ type: 'object', properties: { keys: { type: 'array', items: {} } } }, { type: 'array', items: {} }] } } } },
        responses: { 204: { description: 'Deleted' }, ...errors(400, 401, 403, 409) },
      },
    };
    const one: Record<string, Schema> = {
      get: { tags, summary: `Read one of ${collection.name}`, operationId: `read_${collection.name}`, parameters: [key, { $ref: '#/components/parameters/fields' }], responses: { 200: { description: 'Item', content: data(item) }, ...errors(401, 403, 404) } },
      patch: { tags, summary: `Update one of ${collection.name}`, operationId: `update_${collection.name}`, parameters: [key], requestBody: { required: true, content: { 'application/json': { schema: input } } }, responses: { 200: { description: 'Updated', content: data(item) }, ...errors(400, 401, 403, 404, 422) } },
      delete: { tags, summary: `Delete one of ${collection.name}`, operationId: `delete_${collection.name}`, parameters: [key], responses: { 204: { description: 'Deleted' }, ...errors(401, 403, 404, 409) } },
    };
    if (view === null || actions.create !== null) paths[`/items/${collection.name}/import`] = importPath(collection.name, tags);
    const many = paths[`/items/${collection.name}`];
    const allowed = { get: actions.read, post: view === null || actions.create !== null, patch: view === null || actions.update !== null, delete: actions.delete };
    for (const operations of [many, one]) {
      for (const method of Object.keys(operations) as Array<keyof typeof allowed>) if (!allowed[method]) delete operations[method];
    }
    if (Object.keys(many).length === 0) delete paths[`/items/${collection.name}`];
    if (Object.keys(one).length > 0) paths[`/items/${collection.name}/{id}`] = one;
  }
  for (const collection of virtual) addVirtualPaths(paths, collection, listParameters, serverUrl, workspace.slug);
  return {
    openapi: '3.0.3',
    info: { title: `${workspace.name} — Cairn workspace API`, version: String(schema.version), description: `Generated from the schema of workspace "${workspace.slug}" at version ${schema.version}.` },
    servers: [{ url: serverUrl }],
    security: [{ bearer: [] }],
    tags: [
      ...collections.map((collection) => ({ name: collection.name, ...(collection.note ? { description: collection.note } : {}) })),
      ...virtual.map((collection) => ({ name: collection.name, description: collection.description })),
    ],
    paths,
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'An access token or a workspace API key.' } },
      parameters: Object.fromEntries(Object.entries(QUERY_PARAMETERS).map(([name, spec]) => [name, { name, in: 'query', required: false, schema: { type: 'string' }, ...spec }])),
      schemas: {
        Errors: { type: 'object', properties: { errors: { type: 'array', items: { type: 'object', properties: { message: { type: 'string' }, extensions: { type: 'object', properties: { code: { type: 'string' } } } } } } } },
        ...Object.fromEntries(virtual.map((collection) => [collection.name, collection.rowSchema])),
        ...Object.fromEntries(targets.map((target) => [target.name, { ...itemSchema(readSchema, target), ...(target.note ? { description: target.note } : {}) }])),
        ...Object.fromEntries(
          collections.flatMap((collection) => {
            const actions = actionsOf(collection.name);
            const visible = readSchema.collections.get(collection.name);
            const writable = actions.create === null && actions.update === null ? null : new Set([...(actions.create ?? []), ...(actions.update ?? [])]);
            return [
              ...(actions.read && visible ? [[collection.name, itemSchema(readSchema, visible)]] : []),
              [`${collection.name}_input`, inputSchema(schema, collection, view === null ? null : (writable ?? new Set()))],
            ];
          }),
        ),
      },
    },
  };
}

/**
 * The read-only routes of a virtual collection (a view): its list and, when it is published, its
 * public URL (relative to the server's /api/v1). The query parameters are the items' own.
 */
function addVirtualPaths(paths: Record<string, Schema>, collection: VirtualCollectionInfo, listParameters: Schema[], serverUrl: string, slug: string): void {
  const tags = [collection.name];
  const rows = { description: 'Rows', content: data({ type: 'array', items: ref(collection.name) }, true) };
  paths[`/items/${collection.name}`] = {
    get: { tags, summary: `Read the view ${collection.name}`, description: collection.description, operationId: `list_${collection.name}`, parameters: listParameters, responses: { 200: rows, ...errors(400, 401, 403, 409) } },
  };
  if (collection.publicPath) {
    // Outside the workspace plane: the path item names its own server, the API's root.
    paths[collection.publicPath.replace('{ws}', slug)] = {
      servers: [{ url: serverUrl.replace(/\/w\/[^/]+$/, '') }],
      get: { tags, summary: `Read the published view ${collection.name}`, operationId: `public_${collection.name}`, parameters: listParameters, responses: { 200: rows, ...errors(400, 401, 404, 429) } },
    };
  }
}

/** The import route of a collection: a CSV or JSON file of items to create, all or nothing, or a dry run. */
function importPath(name: string, tags: string[]): Schema {
  const failure = { type: 'object', properties: { row: { type: 'integer' }, field: { type: 'string', nullable: true }, message: { type: 'string' } } };
  return {
    post: {
      tags,
      summary: `Import ${name} from a CSV or JSON file`,
      description: 'A CSV file with a header row of field names, or a JSON array of objects. Every row is created as by the create route, in one transaction: the first bad row answers 400 naming its row and field, and nothing is written. With dry_run, every failing row is answered and nothing is written.',
      operationId: `import_${name}`,
      parameters: [{ name: 'dry_run', in: 'query', required: false, schema: { type: 'boolean' }, description: 'Check every row and answer the failures; write nothing.' }],
      requestBody: { required: true, content: { 'multipart/form-data': { schema: { type: 'object', required: ['file'], properties: { file: { type: 'string', format: 'binary' } } } } } },
      responses: { 200: { description: 'Imported (or checked)', content: data({ type: 'object', properties: { rows: { type: 'integer' }, errors: { type: 'array', items: failure } } }) }, ...errors(400, 401, 403, 413, 415) },
    },
  };
}
