import { listedCollections } from '../../schema/relation-targets';
import {
  GraphQLBoolean,
  GraphQLEnumType,
  GraphQLFieldConfig,
  GraphQLFieldConfigArgumentMap,
  GraphQLFieldConfigMap,
  GraphQLFloat,
  GraphQLID,
  GraphQLInputFieldConfigMap,
  GraphQLInputObjectType,
  GraphQLInputType,
  GraphQLInt,
  GraphQLList,
  GraphQLNonNull,
  GraphQLObjectType,
  GraphQLOutputType,
  GraphQLResolveInfo,
  GraphQLScalarType,
  GraphQLSchema,
  GraphQLString,
} from 'graphql';
import { fieldType, type FieldGraphQL, type OperatorFamily } from '../../schema/field-types';
import { findField, findRelationalField, primaryKeyField, relationalFields } from '../../schema/schema.lookup';
import type { CollectionDef, FieldDef, WorkspaceSchema } from '../../schema/schema.types';
import type { ItemAction } from '../../audit/activity.recorder';
import { GraphQLBigInt, GraphQLJSON, scalarOf } from './graphql-scalars';
import { countFunctionsField, FUNCTIONS_SUFFIX, listParams, readParams, selectionParams, subFieldNodes } from './graphql-selection';
import type { VirtualCollectionInfo } from '../virtual-collections';
import { VirtualFieldsContext, virtualListField } from './graphql-virtual-fields';

type Row = Record<string, unknown>;
type Args = Record<string, unknown>;

/** What one kind of caller may do in a workspace: the schema it is built from. */
export interface GraphQLView {
  /** The schema as the caller may read it: its collections, fields and relations only. */
  visible: WorkspaceSchema;
  /** The whole schema: write inputs take the types of fields the caller may set but not read. */
  schema: WorkspaceSchema;
  /** The fields the caller may set for a write action on a collection; null when it may not. */
  writable(collection: string, action: 'create' | 'update'): ReadonlySet<string> | null;
  /** Whether the caller may delete items of a collection. */
  deletable(collection: string): boolean;
  /** The read-only collections (views) the caller may read, described over `visible`: a list field each, no mutations or subscriptions. */
  virtual: readonly VirtualCollectionInfo[];
}

/** One item change as a subscription delivers it. */
export interface MutationEvent {
  key: unknown;
  event: ItemAction;
  data: Row | null;
}

/**
 * The operations resolvers call: the items door (REST's, so the same parser, policies, compiler and
 * write path answer GraphQL), and subscriptions to committed changes. The context carries the caller.
 */
export interface GraphQLOperations<C> {
  list(context: C, collection: string, params: Args): Promise<Row[]>;
  /** One item by key; null when it does not exist or the caller may not see it. */
  byId(context: C, collection: string, id: string, params: Args): Promise<Row | null>;
  aggregate(context: C, collection: string, params: Args): Promise<Row[]>;
  /** Creates the item `data` holds, or the list of them; `answer` names the fields to answer them with. */
  create(context: C, collection: string, data: unknown, answer: { fields?: string[] }): Promise<Row | Row[] | null>;
  updateOne(context: C, collection: string, id: string, data: unknown, answer: { fields?: string[] }): Promise<Row | null>;
  updateMany(context: C, collection: string, ids: string[], data: unknown, answer: { fields?: string[] }): Promise<Row[]>;
  deleteOne(context: C, collection: string, id: string): Promise<void>;
  deleteMany(context: C, collection: string, ids: string[]): Promise<void>;
  changes(context: C, collection: string, event: ItemAction | null, params: Args): AsyncIterable<MutationEvent>;
}

const FUNCTIONS_ON_NUMBERS = ['sum', 'avg', 'min', 'max'] as const;

/**
 * Builds a workspace's GraphQL schema for one view of it. Derived type names hold capitals
 * (`posts_Filter`), which collection names cannot, so no collection can collide with them.
 */
export function buildGraphQLSchema<C>(view: GraphQLView, operations: GraphQLOperations<C>): GraphQLSchema {
  return new SchemaBuilder(view, operations).build();
}

class SchemaBuilder<C> {
  private readonly objects = new Map<string, GraphQLObjectType>();
  private readonly filters = new Map<string, GraphQLInputObjectType>();
  private readonly manyFilters = new Map<string, GraphQLInputObjectType>();
  private readonly operatorInputs = new Map<string, GraphQLInputObjectType>();
  private readonly nestedInputs = new Map<string, GraphQLInputObjectType | null>();
  private readonly eventEnum = new GraphQLEnumType({ name: 'EventEnum', values: { create: {}, update: {}, delete: {} } });
  private readonly deletedOne = new GraphQLObjectType({ name: 'Delete_One', fields: { id: { type: new GraphQLNonNull(GraphQLID) } } });
  private readonly deletedMany = new GraphQLObjectType({ name: 'Delete_Many', fields: { ids: { type: new GraphQLNonNull(new GraphQLList(new GraphQLNonNull(GraphQLID))) } } });

  constructor(
    private readonly view: GraphQLView,
    private readonly ops: GraphQLOperations<C>,
  ) {}

  build(): GraphQLSchema {
    const query: GraphQLFieldConfigMap<unknown, C> = {};
    const mutation: GraphQLFieldConfigMap<unknown, C> = {};
    const subscription: GraphQLFieldConfigMap<unknown, C> = {};
    const collections = listedCollections(this.view.visible);
    for (const collection of collections) query[collection.name] = this.listField(collection);
    const virtual: VirtualFieldsContext<C> = {
      visible: this.view.visible,
      operators: (field) => this.operators(field),
      list: (context, name, params) => this.ops.list(context, name, params),
    };
    for (const info of this.view.virtual) {
      const field = info.name in query ? null : virtualListField(info, virtual);
      if (field) query[info.name] = field;
    }
    for (const collection of collections) {
      addOnce(query, `${collection.name}_by_id`, () => this.byIdField(collection));
      addOnce(query, `${collection.name}_aggregated`, () => this.aggregatedField(collection));
      addOnce(subscription, `${collection.name}_mutated`, () => this.mutatedField(collection));
    }
    for (const collection of listedCollections(this.view.schema)) this.addMutations(mutation, collection);
    if (Object.keys(query).length === 0) {
      query._empty = { type: GraphQLBoolean, description: 'There is nothing here you may read.', resolve: () => null };
    }
    return new GraphQLSchema({
      query: new GraphQLObjectType({ name: 'Query', fields: query }),
      mutation: Object.keys(mutation).length > 0 ? new GraphQLObjectType({ name: 'Mutation', fields: mutation }) : undefined,
      subscription: Object.keys(subscription).length > 0 ? new GraphQLObjectType({ name: 'Subscription', fields: subscription }) : undefined,
    });
  }

  // ----- reads -----

  private listField(collection: CollectionDef): GraphQLFieldConfig<unknown, C> {
    const type = this.object(collection);
    return {
      type: new GraphQLNonNull(new GraphQLList(new GraphQLNonNull(type))),
      args: this.listArgs(collection, true),
      resolve: (_source, args: Args, context, info) => this.ops.list(context, collection.name, { ...listParams(args), ...readParams(info, type) }),
    };
  }

  private byIdField(collection: CollectionDef): GraphQLFieldConfig<unknown, C> {
    const type = this.object(collection);
    return {
      type,
      args: { id: { type: new GraphQLNonNull(GraphQLID) } },
      resolve: (_source, args: Args, context, info) => this.ops.byId(context, collection.name, String(args.id), readParams(info, type)),
    };
  }

  private aggregatedField(collection: CollectionDef): GraphQLFieldConfig<unknown, C> {
    const countable = new GraphQLObjectType({
      name: `${collection.name}_AggregatedCount`,
      fields: () => Object.fromEntries(collection.fields.map((field) => [field.field, { type: GraphQLInt }])),
    });
    const numeric = collection.fields.filter((field) => fieldType(field.type).numeric);
    const numbers =
      numeric.length === 0
        ? null
        : new GraphQLObjectType({ name: `${collection.name}_AggregatedNumbers`, fields: Object.fromEntries(numeric.map((field) => [field.field, { type: GraphQLFloat }])) });
    const fields: GraphQLFieldConfigMap<Row, C> = {
      group: { type: GraphQLJSON, description: 'The values of the groupBy fields.' },
      countAll: { type: GraphQLInt, description: 'How many items: count(*).' },
      count: { type: countable, description: 'How many items have a value in each field.' },
      countDistinct: { type: countable, description: 'How many different values each field has.' },
    };
    if (numbers) for (const fn of FUNCTIONS_ON_NUMBERS) fields[fn] = { type: numbers };
    const type = new GraphQLObjectType({ name: `${collection.name}_Aggregated`, fields });
    return {
      type: new GraphQLNonNull(new GraphQLList(new GraphQLNonNull(type))),
      args: { ...this.listArgs(collection, true), groupBy: { type: new GraphQLList(new GraphQLNonNull(GraphQLString)) } },
      resolve: async (_source, args: Args, context, info) => {
        const groupBy = (args.groupBy as string[] | null | undefined) ?? [];
        const aggregate = aggregateParams(info, type);
        const rows = await this.ops.aggregate(context, collection.name, { ...listParams(args), groupBy, aggregate });
        return rows.map((row) => aggregatedRow(row, groupBy));
      },
    };
  }

  private mutatedField(collection: CollectionDef): GraphQLFieldConfig<unknown, C> {
    const data = this.object(collection);
    const type = new GraphQLObjectType({
      name: `${collection.name}_Mutated`,
      fields: { key: { type: new GraphQLNonNull(GraphQLID) }, event: { type: new GraphQLNonNull(this.eventEnum) }, data: { type: data } },
    });
    return {
      type: new GraphQLNonNull(type),
      args: { event: { type: this.eventEnum } },
      subscribe: (_source, args: Args, context, info) => {
        const params = dataReadParams(info, type, data);
        return this.ops.changes(context, collection.name, (args.event as ItemAction | null | undefined) ?? null, params);
      },
      resolve: (event: unknown) => event as MutationEvent,
    };
  }

  private listArgs(collection: CollectionDef, withPage: boolean): GraphQLFieldConfigArgumentMap {
    const args: GraphQLFieldConfigArgumentMap = {
      filter: { type: this.filter(collection) },
      sort: { type: new GraphQLList(new GraphQLNonNull(GraphQLString)), description: 'Fields to sort by, "-" first for descending: ["-rating", "title"].' },
      limit: { type: GraphQLInt },
      offset: { type: GraphQLInt },
    };
    if (withPage) {
      args.page = { type: GraphQLInt };
      args.search = { type: GraphQLString };
    }
    return args;
  }

  /** A collection's object type: its readable fields, relations as nested objects and lists. */
  private object(collection: CollectionDef): GraphQLObjectType {
    let type = this.objects.get(collection.name);
    if (type) return type;
    type = new GraphQLObjectType({
      name: collection.name,
      description: collection.note ?? undefined,
      fields: () => this.objectFields(collection),
    });
    this.objects.set(collection.name, type);
    return type;
  }

  private objectFields(collection: CollectionDef): GraphQLFieldConfigMap<Row, C> {
    const { visible } = this.view;
    const fields: GraphQLFieldConfigMap<Row, C> = {};
    for (const field of collection.fields) {
      const relational = findRelationalField(visible, collection.name, field.field);
      const related = relational ? visible.collections.get(relational.related) : undefined;
      if (relational?.kind === 'm2o' && related) {
        fields[field.field] = { type: this.object(related), description: field.note ?? undefined };
      } else {
        const scalar = scalarOf(field);
        fields[field.field] = { type: field.primaryKey ? new GraphQLNonNull(scalar) : scalar, description: field.note ?? undefined };
      }
    }
    for (const name of aliasNames(visible, collection.name)) {
      const relational = findRelationalField(visible, collection.name, name);
      const related = relational ? visible.collections.get(relational.related) : undefined;
      if (!related) continue;
      fields[name] = { type: new GraphQLNonNull(new GraphQLList(new GraphQLNonNull(this.object(related)))), args: this.listArgs(related, false) };
      // Directus' `comments_func { count }`, unless a field of the collection has that name.
      if (!(`${name}${FUNCTIONS_SUFFIX}` in fields)) fields[`${name}${FUNCTIONS_SUFFIX}`] = countFunctionsField(name);
    }
    return fields;
  }

  // ----- filters -----

  private filter(collection: CollectionDef): GraphQLInputObjectType {
    let type = this.filters.get(collection.name);
    if (type) return type;
    type = new GraphQLInputObjectType({
      name: `${collection.name}_Filter`,
      fields: () => this.filterFields(collection),
    });
    this.filters.set(collection.name, type);
    return type;
  }

  private filterFields(collection: CollectionDef): GraphQLInputFieldConfigMap {
    const { visible } = this.view;
    const self = this.filter(collection);
    const fields: GraphQLInputFieldConfigMap = {
      _and: { type: new GraphQLList(new GraphQLNonNull(self)) },
      _or: { type: new GraphQLList(new GraphQLNonNull(self)) },
    };
    for (const field of collection.fields) {
      const relational = findRelationalField(visible, collection.name, field.field);
      const related = relational ? visible.collections.get(relational.related) : undefined;
      fields[field.field] = { type: relational?.kind === 'm2o' && related ? this.filter(related) : this.operators(field) };
    }
    for (const name of aliasNames(visible, collection.name)) {
      const relational = findRelationalField(visible, collection.name, name);
      const related = relational ? visible.collections.get(relational.related) : undefined;
      if (related) fields[name] = { type: this.manyFilter(related) };
    }
    return fields;
  }

  /** The filter of a one-to-many or many-to-many: some or none of the related items match. */
  private manyFilter(related: CollectionDef): GraphQLInputObjectType {
    let type = this.manyFilters.get(related.name);
    if (!type) {
      const inner = this.filter(related);
      type = new GraphQLInputObjectType({ name: `${related.name}_ManyFilter`, fields: { _some: { type: inner }, _none: { type: inner } } });
      this.manyFilters.set(related.name, type);
    }
    return type;
  }

  /** The comparison operators a field's type allows, with operands of its type. */
  private operators(field: FieldDef): GraphQLInputObjectType {
    const { kind, families } = operatorsOf(field);
    let type = this.operatorInputs.get(kind);
    if (type) return type;
    const operand = OPERANDS[kind];
    const list = new GraphQLList(operand);
    const fields: GraphQLInputFieldConfigMap = {};
    if (families.includes('presence')) Object.assign(fields, { _null: { type: GraphQLBoolean }, _nnull: { type: GraphQLBoolean } });
    if (families.includes('equality')) Object.assign(fields, { _eq: { type: operand }, _neq: { type: operand } });
    if (families.includes('order')) {
      for (const op of ['_lt', '_lte', '_gt', '_gte']) fields[op] = { type: operand };
      for (const op of ['_in', '_nin', '_between', '_nbetween']) fields[op] = { type: list };
    }
    if (families.includes('text')) {
      for (const op of ['_contains', '_ncontains', '_icontains', '_starts_with', '_istarts_with', '_ends_with', '_iends_with']) fields[op] = { type: GraphQLString };
      Object.assign(fields, { _empty: { type: GraphQLBoolean }, _nempty: { type: GraphQLBoolean } });
    }
    type = new GraphQLInputObjectType({ name: `${kind}FilterOperators`, fields });
    this.operatorInputs.set(kind, type);
    return type;
  }

  // ----- writes -----

  private addMutations(mutation: GraphQLFieldConfigMap<unknown, C>, collection: CollectionDef): void {
    const name = collection.name;
    // What a write answers: the items as the caller may read them, or nothing when it may not.
    const readable = this.view.visible.collections.get(name);
    const result: GraphQLOutputType = readable ? this.object(readable) : GraphQLBoolean;
    const answer = (rows: Row | Row[] | null) => (readable ? rows : true);
    const params = (info: GraphQLResolveInfo): { fields?: string[] } => (readable ? { fields: selectionParams(info, info.fieldNodes, result as GraphQLObjectType).fields } : {});

    const creatable = this.view.writable(name, 'create');
    if (creatable) {
      const input = this.writeInput(collection, creatable, 'Create');
      mutation[`create_${name}_item`] = {
        type: result,
        args: { data: { type: new GraphQLNonNull(input) } },
        resolve: async (_s, args: Args, context, info) => answer(await this.ops.create(context, name, args.data, params(info))),
      };
      mutation[`create_${name}_items`] = {
        type: readable ? new GraphQLNonNull(new GraphQLList(new GraphQLNonNull(result))) : GraphQLBoolean,
        args: { data: { type: new GraphQLNonNull(new GraphQLList(new GraphQLNonNull(input))) } },
        resolve: async (_s, args: Args, context, info) => answer(await this.ops.create(context, name, args.data, params(info))),
      };
    }
    const updatable = this.view.writable(name, 'update');
    if (updatable) {
      const input = this.writeInput(collection, updatable, 'Update');
      mutation[`update_${name}_item`] = {
        type: result,
        args: { id: { type: new GraphQLNonNull(GraphQLID) }, data: { type: new GraphQLNonNull(input) } },
        resolve: async (_s, args: Args, context, info) => answer(await this.ops.updateOne(context, name, String(args.id), args.data, params(info))),
      };
      mutation[`update_${name}_items`] = {
        type: readable ? new GraphQLNonNull(new GraphQLList(new GraphQLNonNull(result))) : GraphQLBoolean,
        args: { ids: { type: new GraphQLNonNull(new GraphQLList(new GraphQLNonNull(GraphQLID))) }, data: { type: new GraphQLNonNull(input) } },
        resolve: async (_s, args: Args, context, info) => answer(await this.ops.updateMany(context, name, args.ids as string[], args.data, params(info))),
      };
    }
    if (this.view.deletable(name)) {
      mutation[`delete_${name}_item`] = {
        type: this.deletedOne,
        args: { id: { type: new GraphQLNonNull(GraphQLID) } },
        resolve: async (_s, args: Args, context) => {
          await this.ops.deleteOne(context, name, String(args.id));
          return { id: args.id };
        },
      };
      mutation[`delete_${name}_items`] = {
        type: this.deletedMany,
        args: { ids: { type: new GraphQLNonNull(new GraphQLList(new GraphQLNonNull(GraphQLID))) } },
        resolve: async (_s, args: Args, context) => {
          await this.ops.deleteMany(context, name, args.ids as string[]);
          return { ids: args.ids };
        },
      };
    }
  }

  /**
   * The input of a create or an update: the fields the caller may set, each of its type; a many-to-one
   * takes the key; a one-to-many or many-to-many alias, the related items to write with it (a nested write).
   */
  private writeInput(collection: CollectionDef, writable: ReadonlySet<string>, kind: 'Create' | 'Update'): GraphQLInputObjectType {
    const fields: GraphQLInputFieldConfigMap = {};
    for (const field of collection.fields) {
      if (field.system || !writable.has(field.field)) continue;
      fields[field.field] = { type: scalarOf(field) as GraphQLInputType, description: field.note ?? undefined };
    }
    Object.assign(fields, this.toManyInputs(collection));
    if (Object.keys(fields).length === 0) fields._empty = { type: GraphQLBoolean, description: 'Nothing here may be set.' };
    return new GraphQLInputObjectType({ name: `${collection.name}_${kind}Input`, fields });
  }

  /**
   * The one-to-many and many-to-many aliases of a write input: each a list of the related items, as the
   * related collection's nested input, when the caller may create or update items there at all. As in
   * REST, the list is the whole set; each nested write is checked as a direct one would be.
   */
  private toManyInputs(collection: CollectionDef): GraphQLInputFieldConfigMap {
    const fields: GraphQLInputFieldConfigMap = {};
    for (const relational of relationalFields(this.view.schema, collection.name)) {
      if (relational.kind === 'm2o' || findField(collection, relational.field)) continue;
      const input = this.nestedInput(relational.related);
      if (input) fields[relational.field] = { type: new GraphQLList(new GraphQLNonNull(input)), description: `The related "${relational.related}" items (the whole set): each created, or updated when it carries its key, or named by its key alone.` };
    }
    return fields;
  }

  /** A related item written inside another: its key (to update or name an existing item), the fields the caller may set, its own to-many aliases. */
  private nestedInput(name: string): GraphQLInputObjectType | null {
    if (this.nestedInputs.has(name)) return this.nestedInputs.get(name)!;
    const collection = this.view.schema.collections.get(name);
    const creatable = this.view.writable(name, 'create');
    const updatable = this.view.writable(name, 'update');
    if (!collection || (!creatable && !updatable)) {
      this.nestedInputs.set(name, null);
      return null;
    }
    const writable = new Set([...(creatable ?? []), ...(updatable ?? [])]);
    // Fields as a thunk: nested inputs may lead back to one another (posts → comments → posts).
    const type = new GraphQLInputObjectType({
      name: `${name}_NestedInput`,
      fields: () => {
        const key = primaryKeyField(collection);
        const fields: GraphQLInputFieldConfigMap = { [key.field]: { type: scalarOf(key) as GraphQLInputType } };
        for (const field of collection.fields) {
          if (!field.system && writable.has(field.field)) fields[field.field] = { type: scalarOf(field) as GraphQLInputType, description: field.note ?? undefined };
        }
        return Object.assign(fields, this.toManyInputs(collection));
      },
    });
    this.nestedInputs.set(name, type);
    return type;
  }
}

/** Adds a root field unless its name is taken: a collection named `posts_by_id` keeps its own list field. */
function addOnce<T>(fields: GraphQLFieldConfigMap<unknown, T>, name: string, make: () => GraphQLFieldConfig<unknown, T>): void {
  if (!(name in fields)) fields[name] = make();
}

type OperatorKind = FieldGraphQL['filter'] | 'ID';

/** Operands of each kind of comparison; integers compare with any number. */
const OPERANDS: Record<OperatorKind, GraphQLScalarType> = {
  String: GraphQLString,
  Date: GraphQLString,
  Number: GraphQLFloat,
  BigInt: GraphQLBigInt,
  Boolean: GraphQLBoolean,
  JSON: GraphQLJSON,
  ID: GraphQLID,
};

/** Which operators a field takes: its type's; a key compares as a number (an integer) or an ID, without text operators. */
function operatorsOf(field: FieldDef): { kind: OperatorKind; families: readonly OperatorFamily[] } {
  const type = fieldType(field.type);
  if (!field.primaryKey) return { kind: type.graphql.filter, families: type.filter.operators };
  return { kind: type.graphql.scalar === 'Int' ? 'Number' : 'ID', families: ['presence', 'equality', 'order'] };
}

/** The one-to-many and many-to-many aliases of a collection. */
function aliasNames(schema: WorkspaceSchema, collection: string): string[] {
  const names: string[] = [];
  for (const relation of schema.relations) {
    if (relation.relatedCollection !== collection) continue;
    if (relation.oneField) names.push(relation.oneField);
    if (relation.junction?.alias) names.push(relation.junction.alias);
  }
  return [...new Set(names)];
}

/** The `aggregate` parameter that an aggregated field's selection asks for. */
function aggregateParams(info: GraphQLResolveInfo, type: GraphQLObjectType): Record<string, string[]> {
  const aggregate: Record<string, string[]> = {};
  const { fields } = selectionParams(info, info.fieldNodes, type);
  for (const path of fields) {
    const [fn, field] = path.split('.');
    if (fn === 'countAll') (aggregate.count ??= []).unshift('*');
    else if (field) (aggregate[fn] ??= []).push(field);
  }
  // A query of the groups alone still needs one aggregate for the SQL to group by.
  if (Object.keys(aggregate).length === 0) aggregate.count = ['*'];
  return aggregate;
}

/** The fields to read for the `data` of a subscription's events: the item's id when it asks for none. */
function dataReadParams(info: GraphQLResolveInfo, mutated: GraphQLObjectType, data: GraphQLObjectType): Args {
  const nodes = subFieldNodes(info, info.fieldNodes, mutated, 'data');
  return nodes.length > 0 ? readParams(info, data, nodes) : { fields: ['id'] };
}

/**
 * A REST aggregate row (`{status, count: 2, avg: {rating: 4}}`) in the aggregated type's shape. A
 * group through a relation (`post.title`), which REST nests, is keyed by its path in `group`.
 */
function aggregatedRow(row: Row, groupBy: string[]): Row {
  const valueAt = (path: string[]) => path.reduce<unknown>((value, segment) => (value !== null && typeof value === 'object' ? (value as Row)[segment] : null), row);
  const shaped: Row = { group: Object.fromEntries(groupBy.map((name) => [name, valueAt(name.split('.'))])) };
  const count = row.count;
  if (typeof count === 'number') shaped.countAll = count;
  else if (count && typeof count === 'object') {
    const { '*': all, ...byField } = count as Row;
    shaped.countAll = all;
    shaped.count = byField;
  }
  for (const fn of ['countDistinct', ...FUNCTIONS_ON_NUMBERS]) shaped[fn] = row[fn];
  return shaped;
}
