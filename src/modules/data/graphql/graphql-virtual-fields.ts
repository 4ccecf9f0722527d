import {
  GraphQLFieldConfig,
  GraphQLFieldConfigArgumentMap,
  GraphQLFieldConfigMap,
  GraphQLFloat,
  GraphQLInputFieldConfigMap,
  GraphQLInputObjectType,
  GraphQLInt,
  GraphQLList,
  GraphQLNonNull,
  GraphQLObjectType,
  GraphQLOutputType,
  GraphQLString,
} from 'graphql';
import { findField, findRelationalField } from '../../schema/schema.lookup';
import type { FieldDef, WorkspaceSchema } from '../../schema/schema.types';
import type { AggregateFunction, Selection } from '../../../engine/query/query.ast';
import type { VirtualCollectionInfo, VirtualRowShape } from '../virtual-collections';
import { scalarOf } from './graphql-scalars';
import { countFunctionsField, FUNCTIONS_SUFFIX, listParams, readParams } from './graphql-selection';

type Row = Record<string, unknown>;
type Args = Record<string, unknown>;

/** What the virtual collections' fields need of the schema builder: the shared comparison operator inputs, and the items door. */
export interface VirtualFieldsContext<C> {
  /** The schema as the caller may read it: the one the virtual collections were described with. */
  visible: WorkspaceSchema;
  operators(field: FieldDef): GraphQLInputObjectType;
  list(context: C, collection: string, params: Args): Promise<Row[]>;
}

/**
 * The read-only list field of a virtual collection (a view), typed from its rows' shape. Reads go to
 * the items door under the view's name, so GraphQL answers through the same view reader as
 * `/items/{view}`: the same merge onto the view's definition, the same policies, the same rows.
 *
 * Type names start with the view's name (no collection has it) followed by `_` and a capital
 * (`published_posts_Author`, `published_posts_Filter`), which no collection's or field's name holds, so
 * they collide neither with collections' types nor with each other.
 */
export function virtualListField<C>(info: VirtualCollectionInfo, context: VirtualFieldsContext<C>): GraphQLFieldConfig<unknown, C> | null {
  const { shape } = info;
  if (shape.kind === 'groups' && shape.groupBy.length === 0 && shape.aggregate.length === 0) return null; // a row of nothing has no GraphQL type
  return shape.kind === 'items' ? itemsField(info.name, info.description, shape, context) : groupsField(info.name, info.description, shape, context);
}

const SORT_ARGUMENT = { type: new GraphQLList(new GraphQLNonNull(GraphQLString)), description: 'Output fields to sort by, "-" first for descending: ["-rating", "author.name"].' };

// ----- views of items -----

function itemsField<C>(name: string, description: string, shape: Extract<VirtualRowShape, { kind: 'items' }>, context: VirtualFieldsContext<C>): GraphQLFieldConfig<unknown, C> {
  const computed: GraphQLFieldConfigMap<Row, C> = Object.fromEntries(
    shape.computed.map((column) => [column.alias, { type: column.type === 'number' ? GraphQLFloat : GraphQLString, description: 'Computed.' }]),
  );
  const type = rowObject(context.visible, name, shape.source, shape.selection, [], computed, description);
  const args: GraphQLFieldConfigArgumentMap = {
    filter: { type: rowFilter(context, name, shape.source, shape.selection, []), description: "ANDed with the view's own filter." },
    sort: SORT_ARGUMENT,
    limit: { type: GraphQLInt },
    offset: { type: GraphQLInt },
    page: { type: GraphQLInt },
    search: { type: GraphQLString, description: "Looks in the view's own text fields." },
  };
  return {
    type: new GraphQLNonNull(new GraphQLList(new GraphQLNonNull(type))),
    description,
    args,
    resolve: (_source, given: Args, caller, info) => context.list(caller, name, { ...listParams(given), fields: readParams(info, type).fields }),
  };
}

/** The type of a view's rows, or of the related items at `path` in them: the fields the view shows, relations nested. */
function rowObject<C>(
  visible: WorkspaceSchema,
  view: string,
  collectionName: string,
  selection: Selection,
  path: string[],
  extra: GraphQLFieldConfigMap<Row, C>,
  description?: string,
): GraphQLObjectType {
  const collection = visible.collections.get(collectionName)!;
  const fields: GraphQLFieldConfigMap<Row, C> = {};
  for (const name of selection.fields) {
    const field = findField(collection, name)!;
    const scalar = scalarOf(field);
    fields[name] = { type: field.primaryKey ? new GraphQLNonNull(scalar) : scalar, description: field.note ?? undefined };
  }
  for (const nested of selection.relations) {
    const relational = findRelationalField(visible, collectionName, nested.field)!;
    const related = rowObject<C>(visible, view, relational.related, nested.selection, [...path, nested.field], {});
    fields[nested.field] = { type: relational.kind === 'm2o' ? related : new GraphQLNonNull(new GraphQLList(new GraphQLNonNull(related))) };
  }
  for (const count of selection.counts ?? []) fields[`${count.field}${FUNCTIONS_SUFFIX}`] = countFunctionsField<C>(count.field);
  return new GraphQLObjectType({ name: typeName(view, path, ''), description, fields: { ...fields, ...extra } });
}

/**
 * The filter on a view's rows: its output fields only, relations as they nest (`_some`/`_none` for
 * one-to-many and many-to-many), as the view reader accepts. Computed values are not filterable.
 */
function rowFilter<C>(context: VirtualFieldsContext<C>, view: string, collectionName: string, selection: Selection, path: string[]): GraphQLInputObjectType {
  const { visible } = context;
  const collection = visible.collections.get(collectionName)!;
  const type: GraphQLInputObjectType = new GraphQLInputObjectType({
    name: typeName(view, path, '_Filter'),
    fields: () => {
      const fields: GraphQLInputFieldConfigMap = { _and: { type: new GraphQLList(new GraphQLNonNull(type)) }, _or: { type: new GraphQLList(new GraphQLNonNull(type)) } };
      for (const name of selection.fields) fields[name] = { type: context.operators(findField(collection, name)!) };
      for (const nested of selection.relations) {
        const relational = findRelationalField(visible, collectionName, nested.field)!;
        const inner = rowFilter(context, view, relational.related, nested.selection, [...path, nested.field]);
        fields[nested.field] = {
          type: relational.kind === 'm2o' ? inner : new GraphQLInputObjectType({ name: typeName(view, [...path, nested.field], '_ManyFilter'), fields: { _some: { type: inner }, _none: { type: inner } } }),
        };
      }
      return fields;
    },
  });
  return type;
}

// ----- views of groups -----

function groupsField<C>(name: string, description: string, shape: Extract<VirtualRowShape, { kind: 'groups' }>, context: VirtualFieldsContext<C>): GraphQLFieldConfig<unknown, C> {
  const source = context.visible.collections.get(shape.source)!;
  const groupFields = shape.groupBy.map((field) => findField(source, field)!);
  const fields: GraphQLFieldConfigMap<Row, C> = {};
  for (const field of groupFields) fields[field.field] = { type: scalarOf(field), description: 'Grouped by.' };
  const byFunction = new Map<AggregateFunction, GraphQLFieldConfigMap<Row, C>>();
  for (const term of shape.aggregate) {
    if (term.field === '*') {
      fields.countAll = { type: GraphQLInt, description: 'How many items the group has: count(*).' };
      continue;
    }
    let terms = byFunction.get(term.fn);
    if (!terms) byFunction.set(term.fn, (terms = {}));
    terms[term.field] = { type: aggregateType(term.fn, findField(source, term.field)!) };
  }
  for (const [fn, terms] of byFunction) fields[fn] = { type: new GraphQLObjectType({ name: typeName(name, [fn], ''), fields: terms }) };
  const type = new GraphQLObjectType({ name, description, fields });

  const filter: GraphQLInputObjectType = new GraphQLInputObjectType({
    name: typeName(name, [], '_Filter'),
    description: "On the groupBy fields: keeps the groups whose key matches. ANDed with the view's own filter.",
    fields: () => ({
      _and: { type: new GraphQLList(new GraphQLNonNull(filter)) },
      _or: { type: new GraphQLList(new GraphQLNonNull(filter)) },
      ...Object.fromEntries(groupFields.map((field) => [field.field, { type: context.operators(field) }])),
    }),
  });
  return {
    type: new GraphQLNonNull(new GraphQLList(new GraphQLNonNull(type))),
    description,
    args: { filter: { type: filter }, sort: SORT_ARGUMENT, limit: { type: GraphQLInt }, offset: { type: GraphQLInt }, page: { type: GraphQLInt } },
    resolve: async (_source, given: Args, caller) => (await context.list(caller, name, listParams(given))).map(groupRow),
  };
}

/** Counts are integers, sums and averages numbers, minimums and maximums values of the field. */
function aggregateType(fn: AggregateFunction, field: FieldDef): GraphQLOutputType {
  if (fn === 'count' || fn === 'countDistinct') return GraphQLInt;
  if (fn === 'sum' || fn === 'avg') return GraphQLFloat;
  return scalarOf(field);
}

/**
 * A REST group row in the type's shape: count(*) is `countAll` (REST's `count: n`, or `count["*"]` beside
 * counts of fields), as on collections' `_aggregated` fields; the rest is as REST answers it.
 */
function groupRow(row: Row): Row {
  const { count, ...rest } = row;
  if (typeof count === 'number') return { ...rest, countAll: count };
  if (count && typeof count === 'object') {
    const { '*': all, ...byField } = count as Row;
    return { ...rest, ...(all === undefined ? {} : { countAll: all }), count: byField };
  }
  return row;
}

/** `view`, then `_` and the path's segments capitalized (`published_posts_AuthorCountry`), then the kind. */
function typeName(view: string, path: string[], kind: string): string {
  const segments = path.map((segment) => segment[0].toUpperCase() + segment.slice(1)).join('');
  return segments === '' && kind === '' ? view : `${view}${segments === '' ? '' : `_${segments}`}${kind}`;
}
