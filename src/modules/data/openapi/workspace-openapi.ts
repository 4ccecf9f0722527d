import { findRelationalField, relationalFields } from '../../schema/schema.lookup';
import type { CollectionDef, FieldDef, WorkspaceSchema } from '../../schema/schema.types';

type Schema = Record<string, unknown>;

const QUERY_PARAMETERS: Record<string, { description: string; example?: string }> = {
  fields: { description: 'Comma list of fields, `*`, relation paths (`author.name`, `comments.*`).', example: '*,author.name' },
  filter: { description: 'A filter in the query language, as JSON (or bracket form `filter[field][_op]=value`).', example: '{"status":{"_eq":"published"}}' },
  sort: { description: 'Comma list of fields; `-` for descending; relation paths allowed.', example: '-created_at' },
  limit: { description: 'How many items (default 100).' },
  offset: { description: 'How many items to skip.' },
  page: { description: 'Page number, counting from 1, of `limit` items.' },
  search: { description: 'Case-insensitive match across text fields.' },
  meta: { description: '`total_count`, `filter_count` or `*`.' },
  aggregate: { description: 'JSON such as `{"count":"*","sum":["price"]}` or `aggregate[count]=*`.' },
  groupBy: { description: 'Comma list of fields to group aggregates by.' },
  deep: { description: 'Per-relation `_filter`, `_sort`, `_limit`, `_offset`, as JSON.' },
};

function fieldSchema(field: FieldDef): Schema {
  const base: Schema = (() => {
    switch (field.type) {
      case 'string':
        return { type: 'string', maxLength: field.length ?? 255 };
      case 'text':
        return { type: 'string' };
      case 'uuid':
        return { type: 'string', format: 'uuid' };
      case 'autocode':
        return { type: 'string', readOnly: true, description: `Generated: ${field.autocode?.prefix ?? ''} followed by ${field.autocode?.padding ?? 4} digits.` };
      case 'enum':
        return { type: 'string', enum: field.values ?? [] };
      case 'integer':
        return { type: 'integer', format: 'int32' };
      case 'bigint':
        return { type: 'integer', format: 'int64' };
      case 'float':
        return { type: 'number', format: 'double' };
      case 'decimal':
        return { type: 'number', description: `Decimal(${field.precision ?? 10}, ${field.scale ?? 2})` };
      case 'boolean':
        return { type: 'boolean' };
      case 'date':
        return { type: 'string', format: 'date' };
      case 'datetime':
        return { type: 'string', format: 'date-time' };
      case 'time':
        return { type: 'string', example: '13:45:00' };
      case 'json':
        return {};
    }
  })();
  return { ...base, nullable: true, ...(field.note ? { description: field.note } : {}), ...(field.system ? { readOnly: true } : {}) };
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

function inputSchema(collection: CollectionDef): Schema {
  const fields = collection.fields.filter((field) => !field.system && field.type !== 'autocode');
  const required = fields.filter((field) => field.required).map((field) => field.field);
  return { type: 'object', additionalProperties: false, properties: Object.fromEntries(fields.map((field) => [field.field, fieldSchema(field)])), ...(required.length ? { required } : {}) };
}

/**
 * The OpenAPI document of one workspace's generated API: every collection's item routes with its
 * item and input schemas, and the query language's parameters. Built from the registry alone.
 */
export function workspaceOpenApi(schema: WorkspaceSchema, workspace: { slug: string; name: string }, serverUrl: string): Schema {
  const collections = [...schema.collections.values()].sort((a, b) => a.name.localeCompare(b.name));
  const paths: Record<string, Schema> = {};
  const listParameters = Object.keys(QUERY_PARAMETERS).map((name) => ({ $ref: `#/components/parameters/${name}` }));
  for (const collection of collections) {
    const tags = [collection.name];
    const item = ref(collection.name);
    const input = ref(`${collection.name}_input`);
    const key = { name: 'id', in: 'path', required: true, schema: { type: collection.primaryKey === 'integer' ? 'integer' : 'string' } };
    paths[`/items/${collection.name}`] = {
      get: { tags, summary: `List ${collection.name}`, operationId: `list_${collection.name}`, parameters: listParameters, responses: { 200: { description: 'Items', content: data({ type: 'array', items: item }, true) }, ...errors(400, 401, 403) } },
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
    paths[`/items/${collection.name}/{id}`] = {
      get: { tags, summary: `Read one of ${collection.name}`, operationId: `read_${collection.name}`, parameters: [key, { $ref: '#/components/parameters/fields' }], responses: { 200: { description: 'Item', content: data(item) }, ...errors(401, 403, 404) } },
      patch: { tags, summary: `Update one of ${collection.name}`, operationId: `update_${collection.name}`, parameters: [key], requestBody: { required: true, content: { 'application/json': { schema: input } } }, responses: { 200: { description: 'Updated', content: data(item) }, ...errors(400, 401, 403, 404, 422) } },
      delete: { tags, summary: `Delete one of ${collection.name}`, operationId: `delete_${collection.name}`, parameters: [key], responses: { 204: { description: 'Deleted' }, ...errors(401, 403, 404, 409) } },
    };
  }
  return {
    openapi: '3.0.3',
    info: { title: `${workspace.name} — Cairn workspace API`, version: String(schema.version), description: `Generated from the schema of workspace "${workspace.slug}" at version ${schema.version}.` },
    servers: [{ url: serverUrl }],
    security: [{ bearer: [] }],
    tags: collections.map((collection) => ({ name: collection.name, ...(collection.note ? { description: collection.note } : {}) })),
    paths,
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'An access token or a workspace API key.' } },
      parameters: Object.fromEntries(Object.entries(QUERY_PARAMETERS).map(([name, spec]) => [name, { name, in: 'query', required: false, schema: { type: 'string' }, ...spec }])),
      schemas: {
        Errors: { type: 'object', properties: { errors: { type: 'array', items: { type: 'object', properties: { message: { type: 'string' }, extensions: { type: 'object', properties: { code: { type: 'string' } } } } } } } },
        ...Object.fromEntries(collections.flatMap((collection) => [
          [collection.name, itemSchema(schema, collection)],
          [`${collection.name}_input`, inputSchema(collection)],
        ])),
      },
    },
  };
}
