import type { CollectionDef, FieldDef, RelationalField, WorkspaceSchema } from './schema.types';

/** Reads of a WorkspaceSchema that the parser, the compiler and the services share. */

export function findCollection(schema: WorkspaceSchema, name: string): CollectionDef | undefined {
  return schema.collections.get(name);
}

/** Fields by name per fields list: looked up for every value of every row read or written. */
const fieldIndexes = new WeakMap<readonly FieldDef[], Map<string, FieldDef>>();

export function findField(collection: CollectionDef, name: string): FieldDef | undefined {
  let index = fieldIndexes.get(collection.fields);
  // A list that grew since it was indexed (a definition being built) is indexed again.
  if (!index || index.size !== collection.fields.length) {
    index = new Map(collection.fields.map((field) => [field.field, field]));
    fieldIndexes.set(collection.fields, index);
  }
  return index.get(name);
}

export function primaryKeyField(collection: CollectionDef): FieldDef {
  return collection.fields.find((field) => field.primaryKey)!;
}

/**
 * What a field name of a collection leads to, if it leads anywhere: a many-to-one foreign key, or a
 * one-to-many or many-to-many alias (aliases have no column of their own).
 */
export function findRelationalField(schema: WorkspaceSchema, collection: string, field: string): RelationalField | null {
  for (const relation of schema.relations) {
    if (relation.collection === collection && relation.field === field) {
      return { kind: 'm2o', field, related: relation.relatedCollection, relation };
    }
  }
  for (const relation of schema.relations) {
    if (relation.relatedCollection !== collection) continue;
    if (relation.junction?.alias === field) {
      const other = schema.relations.find((r) => r.collection === relation.collection && r.field === relation.junction!.otherField);
      if (!other) continue;
      return {
        kind: 'm2m',
        field,
        related: other.relatedCollection,
        junction: relation.collection,
        junctionLocalKey: relation.field,
        junctionRelatedKey: other.field,
        relation,
      };
    }
    if (relation.oneField === field) {
      return { kind: 'o2m', field, related: relation.collection, foreignKey: relation.field, relation };
    }
  }
  return null;
}

/** Every relational field of a collection: its many-to-one keys and its aliases. */
export function relationalFields(schema: WorkspaceSchema, collection: string): RelationalField[] {
  const names = new Set<string>();
  for (const relation of schema.relations) {
    if (relation.collection === collection) names.add(relation.field);
    if (relation.relatedCollection === collection) {
      if (relation.oneField) names.add(relation.oneField);
      if (relation.junction?.alias) names.add(relation.junction.alias);
    }
  }
  return [...names].map((name) => findRelationalField(schema, collection, name)).filter((field): field is RelationalField => field !== null);
}
