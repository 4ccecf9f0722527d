import { conflict } from '../../common/errors/app-error';
import type { Dependant } from './snapshot-participant';
import type { RelationDef, WorkspaceSchema } from './schema.types';

/**
 * The schema once a collection (field null) or one of its fields is gone: with it go the relations to
 * and from it, the composite indexes that use it, and a junction relation whose pair is gone is no longer half of a many-to-many.
 */
export function schemaWithout(schema: WorkspaceSchema, collection: string, field: string | null): WorkspaceSchema {
  const collections = new Map(schema.collections);
  const relations = schema.relations.filter((r) => (field === null ? r.collection !== collection && r.relatedCollection !== collection : !(r.collection === collection && r.field === field)));
  if (field === null) collections.delete(collection);
  else {
    const definition = schema.collections.get(collection)!;
    collections.set(collection, { ...definition, fields: definition.fields.filter((f) => f.field !== field) });
  }
  const paired = (r: RelationDef) => relations.some((other) => other.collection === r.collection && other.field === r.junction!.otherField);
  // A composite index goes with its collection, and with any of its fields.
  const indexes = schema.indexes.filter((index) => index.collection !== collection || (field !== null && !index.fields.some((column) => column.field === field)));
  return { ...schema, collections, relations: relations.map((r) => (r.junction && !paired(r) ? { ...r, junction: null } : r)), indexes };
}

/**
 * The relations a deletion drops: for a collection, every relation between it and another collection;
 * for a field, the many-to-one it is the key of. A relation of a junction is half of a many-to-many.
 */
export function relationDependants(schema: WorkspaceSchema, collection: string, field: string | null): Dependant[] {
  const dropped = schema.relations.filter((r) =>
    field === null ? (r.collection === collection) !== (r.relatedCollection === collection) : r.collection === collection && r.field === field,
  );
  return dropped.map((r) => ({
    kind: r.junction ? 'junction' : 'relation',
    collection: r.collection,
    field: r.field,
    related_collection: r.relatedCollection,
    ...(r.junction ? { alias: r.junction.alias } : { one_field: r.oneField }),
    on_force: 'drop',
  }));
}

/** How a dependant is named in a message: `view "recent"`, `relation comments.post`. */
function describe(dependant: Dependant): string {
  if (dependant.kind === 'relation' || dependant.kind === 'junction') {
    return `${dependant.kind === 'junction' ? 'many-to-many through' : 'relation'} ${dependant.collection}.${dependant.field} → ${dependant.related_collection}`;
  }
  if (dependant.kind === 'policy') return `policy of "${dependant.role}" to ${dependant.action} "${dependant.collection}"`;
  return `${dependant.kind} "${dependant.name}"`;
}

/**
 * Refuses (409) a deletion that would lose rows or break what depends on the collection or field,
 * unless forced; the answer lists them in `extensions.rows` and `extensions.dependants`.
 */
export function assertRemovable(collection: string, field: string | null, impact: { rows: number | null; dependants: Dependant[] }, force: boolean): void {
  const rows = impact.rows ?? 0;
  if (force || (rows === 0 && impact.dependants.length === 0)) return;
  const target = field === null ? `the collection "${collection}"` : `the field "${collection}.${field}"`;
  const losses = [...(rows > 0 ? [`its ${rows} row${rows === 1 ? '' : 's'}`] : []), ...impact.dependants.map(describe)];
  throw conflict(`Deleting ${target} would lose or break: ${losses.join('; ')}. Force it (?force=true, or "force": true in a schema apply) to delete it anyway.`, {
    collection,
    ...(field === null ? { rows } : { field }),
    dependants: impact.dependants,
  });
}
