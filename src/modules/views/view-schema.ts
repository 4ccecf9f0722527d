import { type ComputedColumn, countKey, type ItemsQuery, type Selection } from '../../engine/query/query.ast';
import { fieldType } from '../schema/field-types';
import { findField, findRelationalField } from '../schema/schema.lookup';
import type { FieldDef, WorkspaceSchema } from '../schema/schema.types';
import { isAggregateView, ViewDefinition } from './view-definition';

type JsonSchema = Record<string, unknown>;

/** The JSON schema of one row of a view, from its parsed query: what the OpenAPI document shows. */
export function viewRowSchema(view: ViewDefinition, query: ItemsQuery, computed: ComputedColumn[], schema: WorkspaceSchema): JsonSchema {
  const source = schema.collections.get(view.source)!;
  if (!isAggregateView(view)) {
    const row = selectionSchema(schema, view.source, query.selection);
    const properties = row.properties as Record<string, JsonSchema>;
    for (const column of computed) properties[column.alias] = { type: column.type, nullable: true, readOnly: true, description: 'Computed.' };
    return row;
  }
  const properties: Record<string, JsonSchema> = {};
  for (const name of view.groupBy) properties[name] = scalar(findField(source, name)!);
  for (const term of query.aggregate) {
    if (term.field === '*') {
      properties.count = { oneOf: [{ type: 'integer' }, { type: 'object', additionalProperties: { type: 'number' } }], description: 'count(*), or counts by field beside it.' };
      continue;
    }
    const byField = (properties[term.fn] ??= { type: 'object', properties: {} }) as { properties: Record<string, JsonSchema> };
    byField.properties[term.field] = term.fn === 'min' || term.fn === 'max' ? scalar(findField(source, term.field)!) : { type: 'number', nullable: true };
  }
  return { type: 'object', properties };
}

function selectionSchema(schema: WorkspaceSchema, collectionName: string, selection: Selection): JsonSchema {
  const collection = schema.collections.get(collectionName)!;
  const properties: Record<string, JsonSchema> = {};
  for (const name of selection.fields) properties[name] = scalar(findField(collection, name)!);
  for (const nested of selection.relations) {
    const relational = findRelationalField(schema, collectionName, nested.field)!;
    const related = selectionSchema(schema, relational.related, nested.selection);
    properties[nested.field] = relational.kind === 'm2o' ? { ...related, nullable: true } : { type: 'array', items: related };
  }
  for (const count of selection.counts ?? []) properties[countKey(count.field)] = { type: 'integer', readOnly: true, description: `count(${count.field}): how many related items the caller may read.` };
  return { type: 'object', properties };
}

function scalar(field: FieldDef): JsonSchema {
  if (field.type === 'integer' || field.type === 'bigint') return { type: 'integer', nullable: !field.primaryKey };
  if (fieldType(field.type).numeric) return { type: 'number', nullable: true };
  if (field.type === 'boolean') return { type: 'boolean', nullable: true };
  if (field.type === 'json') return { nullable: true };
  return { type: 'string', nullable: !field.primaryKey };
}
