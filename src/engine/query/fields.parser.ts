import { findField, findRelationalField, primaryKeyField, relationalFields } from '../../modules/schema/schema.lookup';
import type { CollectionDef, RelationalField, WorkspaceSchema } from '../../modules/schema/schema.types';
import { invalidQuery, relatedCollection } from './filter.parser';
import type { FilterNode, Selection, SortTerm } from './query.ast';

/**
 * `fields` paths → Selection. Paths are drafted into a mutable tree first, so repeated mentions of a
 * relation merge and `deep` can then set options on the nested reads it finds, before the tree is
 * finished into the AST's immutable shape.
 */

/** A selection under construction: plain fields in the order asked for, and relations by name. */
export interface SelectionDraft {
  collection: CollectionDef;
  fields: string[];
  relations: Map<string, NestedDraft>;
  /** The to-many relations `count(…)` names, in the order asked for. */
  counts: string[];
}

/** A relation expanded under a SelectionDraft, with the options `deep` may set on it. */
export interface NestedDraft {
  relational: RelationalField;
  selection: SelectionDraft;
  filter: FilterNode | null;
  sort: SortTerm[];
  limit: number | null;
  offset: number;
}

/** What drafting needs besides the draft itself. */
interface FieldsScope {
  schema: WorkspaceSchema;
  maxDepth: number;
}

const PARAMETER = 'fields';

/**
 * Drafts the selection of `paths` (`title`, `*`, `author.name`, `comments.*`, `*.*`) on a collection.
 * Relation paths may go at most `maxDepth` relations deep.
 */
export function draftSelection(schema: WorkspaceSchema, collection: CollectionDef, paths: string[], maxDepth: number): SelectionDraft {
  const root = emptyDraft(collection);
  for (const path of paths) {
    const segments = path.split('.');
    if (segments.includes('')) throw invalidQuery(`Empty segment in the field path "${path}" in fields.`, { parameter: PARAMETER, field: path });
    addPath({ schema, maxDepth }, root, segments, path, 0);
  }
  return root;
}

function emptyDraft(collection: CollectionDef): SelectionDraft {
  return { collection, fields: [], relations: new Map(), counts: [] };
}

/** `count(comments)`: the relation a count function names, or null for any other segment. */
export function countedRelation(segment: string): string | null {
  const match = /^count\((.*)\)$/.exec(segment);
  return match ? match[1].trim() : null;
}

/**
 * The to-many relation `count(name)` counts on a collection: a one-to-many or many-to-many; anything
 * else is refused, naming `label` (the whole item of the parameter).
 */
export function countableRelation(schema: WorkspaceSchema, collection: CollectionDef, name: string, source: { parameter: string; label: string; item: string }): RelationalField {
  const relational = name === '' ? undefined : findRelationalField(schema, collection.name, name);
  if (!relational) {
    throw invalidQuery(`"${name}" in ${source.item} in ${source.label} is not a relation of "${collection.name}": count() counts the items of a one-to-many or many-to-many.`, {
      parameter: source.parameter,
      field: source.item,
    });
  }
  if (relational.kind === 'm2o') {
    throw invalidQuery(`"${name}" in ${source.item} in ${source.label} is a many-to-one, which relates one item: count() counts the items of a one-to-many or many-to-many.`, {
      parameter: source.parameter,
      field: source.item,
    });
  }
  return relational;
}

/** Adds one path, segment by segment: `depth` is how many relations the segments before it crossed. */
function addPath(scope: FieldsScope, draft: SelectionDraft, segments: string[], path: string, depth: number): void {
  const [head, ...rest] = segments;
  if (head === '*') {
    // `*.name` would have to apply to every relation, whether it has a `name` or not: only `*.*…` is meaningful.
    if (rest.some((segment) => segment !== '*')) {
      throw invalidQuery(`A wildcard in "${path}" in fields can only be followed by wildcards.`, { parameter: PARAMETER, field: path });
    }
    for (const field of draft.collection.fields) addField(draft, field.field);
    if (rest.length === 0) return;
    for (const relational of relationalFields(scope.schema, draft.collection.name)) {
      addPath(scope, nestedDraft(scope, draft, relational, path, depth), rest, path, depth + 1);
    }
    return;
  }

  const counted = countedRelation(head);
  if (counted !== null) {
    if (rest.length > 0) throw invalidQuery(`count() ends a path: "${path}" in fields goes on after it.`, { parameter: PARAMETER, field: path });
    countableRelation(scope.schema, draft.collection, counted, { parameter: PARAMETER, label: PARAMETER, item: path });
    if (!draft.counts.includes(counted)) draft.counts.push(counted);
    return;
  }
  const relational = findRelationalField(scope.schema, draft.collection.name, head);
  if (!relational && !findField(draft.collection, head)) {
    throw invalidQuery(`Unknown field "${pathUpTo(path, segments)}" in fields.`, { parameter: PARAMETER, field: pathUpTo(path, segments) });
  }
  if (rest.length === 0) {
    // A many-to-one named alone is its foreign key; a to-many alias named alone is its related keys,
    // which finishSelection adds as the nested read's primary key.
    if (!relational || relational.kind === 'm2o') addField(draft, head);
    else nestedDraft(scope, draft, relational, path, depth);
    return;
  }
  if (!relational) {
    throw invalidQuery(`"${pathUpTo(path, segments)}" is not a relation, so "${path}" can not be read in fields.`, {
      parameter: PARAMETER,
      field: path,
    });
  }
  addPath(scope, nestedDraft(scope, draft, relational, path, depth), rest, path, depth + 1);
}

/** The part of `path` up to and including the first of `segments` (the one being resolved). */
function pathUpTo(path: string, segments: string[]): string {
  const all = path.split('.');
  return all.slice(0, all.length - segments.length + 1).join('.');
}

function addField(draft: SelectionDraft, field: string): void {
  if (!draft.fields.includes(field)) draft.fields.push(field);
}

/** The nested read of a relation under a draft, created on first mention, within the depth limit. */
function nestedDraft(scope: FieldsScope, draft: SelectionDraft, relational: RelationalField, path: string, depth: number): SelectionDraft {
  const existing = draft.relations.get(relational.field);
  if (existing) return existing.selection;
  if (depth + 1 > scope.maxDepth) {
    throw invalidQuery(`The field path "${path}" in fields goes deeper than ${scope.maxDepth} relations.`, { parameter: PARAMETER, field: path });
  }
  const selection = emptyDraft(relatedCollection(scope.schema, relational));
  draft.relations.set(relational.field, { relational, selection, filter: null, sort: [], limit: null, offset: 0 });
  return selection;
}

/**
 * The AST's Selection of a draft. The primary key is always read (first, if it was not asked for),
 * because shaping the result joins nested rows by it; so is the foreign key of every expanded
 * many-to-one, which links the parent to its related item.
 */
export function finishSelection(draft: SelectionDraft): Selection {
  const primaryKey = primaryKeyField(draft.collection).field;
  const fields = draft.fields.includes(primaryKey) ? [...draft.fields] : [primaryKey, ...draft.fields];
  for (const nested of draft.relations.values()) {
    if (nested.relational.kind === 'm2o' && !fields.includes(nested.relational.field)) fields.push(nested.relational.field);
  }
  const relations = [...draft.relations.values()].map((nested) => ({
    field: nested.relational.field,
    selection: finishSelection(nested.selection),
    filter: nested.filter,
    sort: nested.sort,
    limit: nested.limit,
    offset: nested.offset,
  }));
  return draft.counts.length === 0 ? { fields, relations } : { fields, relations, counts: draft.counts.map((field) => ({ field, filter: null })) };
}
