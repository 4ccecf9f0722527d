import { notFound } from '../../common/errors/app-error';
import { textFault } from '../../common/input/text-faults';
import { fieldType } from '../../modules/schema/field-types';
import { findCollection, findField, findRelationalField } from '../../modules/schema/schema.lookup';
import type { CollectionDef, FieldDef, WorkspaceSchema } from '../../modules/schema/schema.types';
import { countableRelation, countedRelation, draftSelection, finishSelection, NestedDraft, SelectionDraft } from './fields.parser';
import {
  assertSafeKey,
  FilterSource,
  invalidQuery,
  isRecord,
  listOf,
  parseComparison,
  parseFilter,
  readJsonObject,
  relatedCollection,
} from './filter.parser';
import type { AggregateFunction, AggregateTerm, ComparisonOperator, FilterNode, ItemsQuery, MetaField, SortTerm } from './query.ast';

/**
 * REST query parameters → ItemsQuery: the Directus query language in the forms its clients send —
 * JSON strings (`filter`, `deep`, `aggregate` from @directus/sdk), bracket keys (`filter[rating][_gte]=3`),
 * comma lists (`fields`, `sort`, `groupBy`), shorthand filters (`?price__gte=100`) — or already
 * structured values (objects and arrays, from GraphQL). Every identifier in the result comes from the
 * registry; anything unknown is an INVALID_QUERY naming it.
 */

/** Limits that come from configuration. */
export interface ParseOptions {
  defaultLimit: number;
  /** null: no maximum, and limit=-1 (all items) is allowed. */
  maxLimit: number | null;
  /** How many relations deep a `fields` or `sort` path may go, e.g. 3. */
  maxDepth: number;
}

/** Parses the query parameters of a read of `collection`. */
export function parseItemsQuery(collection: string, params: Record<string, unknown>, schema: WorkspaceSchema, options: ParseOptions): ItemsQuery {
  const root = findCollection(schema, collection);
  if (!root) throw notFound(`Collection "${collection}" not found.`);
  const input = readParameters(params);

  const fieldPaths = listItems(input, 'fields');
  const selection = draftSelection(schema, root, fieldPaths.length > 0 ? fieldPaths : ['*'], options.maxDepth);
  for (const source of jsonSources(input, 'deep')) {
    applyDeep({ schema, options }, selection, Object.entries(readJsonObject(source, 'deep')), []);
  }
  const { limit, offset } = parsePagination(input, options);

  return {
    collection: root.name,
    selection: finishSelection(selection),
    filter: parseFilters(schema, root, input, options.maxDepth),
    search: parseSearch(scalar(input, 'search')),
    sort: parseSort(schema, root, listItems(input, 'sort'), { parameter: 'sort', label: 'sort' }, options.maxDepth, true),
    limit,
    offset,
    aggregate: parseAggregate(schema, root, jsonSources(input, 'aggregate'), options.maxDepth),
    groupBy: parseGroupBy(schema, root, listItems(input, 'groupBy'), options.maxDepth),
    meta: parseMeta(listItems(input, 'meta')),
  };
}

/** The `limit` and `offset` a read's parameters give (`page` as an offset), refused as parseItemsQuery refuses them. */
export function parseItemsPaging(params: Record<string, unknown>, options: ParseOptions): { limit: number | null; offset: number } {
  return parsePagination(readParameters(params), options);
}

// ---------------------------------------------------------------------------------------------------
// Reading the parameters

/** The parameters of the query language; any other parameter must be a shorthand filter. */
const RESERVED = new Set(['fields', 'filter', 'sort', 'limit', 'offset', 'page', 'search', 'meta', 'aggregate', 'groupBy', 'deep', 'access_token']);
/** The reserved parameters that may also come in bracket form: `filter[...]`, `deep[...]`, `fields[]`. */
const BRACKETED = new Set(['fields', 'filter', 'sort', 'meta', 'aggregate', 'groupBy', 'deep']);

/** The request's parameters sorted out: reserved ones as given, bracket ones as trees, and the rest. */
interface QueryParameters {
  values: Map<string, unknown>;
  /** One tree per reserved name, built from its bracket keys; null-prototype objects throughout. */
  trees: Map<string, Record<string, unknown>>;
  /** Shorthand filters, in the request's order. */
  shorthands: [string, unknown][];
}

function readParameters(params: Record<string, unknown>): QueryParameters {
  const input: QueryParameters = { values: new Map(), trees: new Map(), shorthands: [] };
  for (const key of Object.keys(params)) {
    const value = params[key];
    if (value === undefined || value === null) continue;
    const bracket = /^([^[\]]+)(\[.*)$/.exec(key);
    if (RESERVED.has(key)) input.values.set(key, value);
    else if (bracket && RESERVED.has(bracket[1])) addBracketKey(input.trees, bracket[1], key, bracket[2], value);
    else input.shorthands.push([key, value]);
  }
  return input;
}

/**
 * Adds `base[a][b]=value` to the tree of `base`. `[]` appends (`fields[]=a`, `filter[x][_in][]=1`);
 * numeric segments make indexed objects that `listOf` reads as lists. Trees are built from
 * null-prototype objects and forbidden keys are refused, so no segment can reach a prototype.
 */
function addBracketKey(trees: Map<string, Record<string, unknown>>, base: string, key: string, brackets: string, value: unknown): void {
  if (!BRACKETED.has(base)) throw invalidQuery(`The parameter "${base}" does not take brackets ("${key}").`, { parameter: key });
  if (!/^(\[[^[\]]*\])+$/.test(brackets)) throw invalidQuery(`Malformed parameter "${key}".`, { parameter: key });
  const segments = [...brackets.matchAll(/\[([^[\]]*)\]/g)].map((match) => match[1]);
  const conflict = () => invalidQuery(`The parameter "${key}" conflicts with another "${base}" parameter.`, { parameter: key });

  let node = trees.get(base);
  if (!node) {
    node = Object.create(null) as Record<string, unknown>;
    trees.set(base, node);
  }
  for (const segment of segments.slice(0, -1)) {
    if (segment === '') throw invalidQuery(`"[]" can only end a parameter, as in "${base}[...][]" ("${key}").`, { parameter: key });
    assertSafeKey(segment, base);
    const next: unknown = node[segment];
    if (next === undefined) {
      const child = Object.create(null) as Record<string, unknown>;
      node[segment] = child;
      node = child;
    } else if (isRecord(next)) {
      node = next;
    } else {
      throw conflict();
    }
  }
  const last = segments[segments.length - 1];
  if (last === '') {
    for (const element of Array.isArray(value) ? value : [value]) {
      let index = Object.keys(node).length;
      while (node[index] !== undefined) index += 1;
      node[index] = element;
    }
    return;
  }
  assertSafeKey(last, base);
  if (node[last] !== undefined) throw conflict();
  node[last] = value;
}

/**
 * The sources of a JSON parameter: each `filter=` given (repeated keys arrive as an array) and the tree
 * of its bracket keys. Blank strings are no source.
 */
function jsonSources(input: QueryParameters, name: string): unknown[] {
  const value = input.values.get(name);
  const given = value === undefined ? [] : Array.isArray(value) ? value : [value];
  const tree = input.trees.get(name);
  return [...given.filter((source) => !(typeof source === 'string' && source.trim() === '')), ...(tree ? [tree] : [])];
}

/** The items of a list parameter: comma lists, repeated keys, arrays and `name[]` keys, concatenated. */
function listItems(input: QueryParameters, name: string): string[] {
  const value = input.values.get(name);
  const tree = input.trees.get(name);
  return [...(value === undefined ? [] : stringItems(value, name)), ...(tree ? stringItems(tree, name) : [])];
}

/** The items of a comma list, an array of comma lists, or an indexed bracket object, trimmed, blanks dropped. */
function stringItems(value: unknown, parameter: string, label = parameter): string[] {
  if (typeof value === 'string') {
    return value
      .split(',')
      .map((item) => item.trim())
      .filter((item) => item !== '');
  }
  const list = listOf(value);
  if (!list || !list.every((item) => typeof item === 'string')) {
    throw invalidQuery(`${label} must be a comma-separated list of names.`, { parameter });
  }
  return list.flatMap((item) => stringItems(item, parameter, label));
}

/** A parameter that takes one value; given more than once, it is ambiguous. */
function scalar(input: QueryParameters, name: string): unknown {
  const value = input.values.get(name);
  if (Array.isArray(value)) throw invalidQuery(`The parameter "${name}" is given more than once.`, { parameter: name });
  return value;
}

// ---------------------------------------------------------------------------------------------------
// Filters

const FILTER_SOURCE: FilterSource = { parameter: 'filter', label: 'filter' };

/** Every filter of the request — `filter` in each form, then the shorthands — ANDed. */
function parseFilters(schema: WorkspaceSchema, root: CollectionDef, input: QueryParameters, maxDepth: number): FilterNode | null {
  const nodes = [
    ...jsonSources(input, 'filter').map((source) => parseFilter(schema, root, source, { ...FILTER_SOURCE, maxDepth })),
    ...input.shorthands.map(([key, value]) => parseShorthand(root, key, value)),
  ].filter((node): node is FilterNode => node !== null);
  if (nodes.length === 0) return null;
  return nodes.length === 1 ? nodes[0] : { type: 'and', children: nodes };
}

/** The suffixes of shorthand filters (`price__gte`); a Map, so a suffix like `constructor` finds nothing. */
const SHORTHAND_OPERATORS = new Map<string, ComparisonOperator>([
  ['eq', '_eq'],
  ['neq', '_neq'],
  ['gt', '_gt'],
  ['gte', '_gte'],
  ['lt', '_lt'],
  ['lte', '_lte'],
  ['contains', '_contains'],
  ['startswith', '_starts_with'],
  ['endswith', '_ends_with'],
  ['in', '_in'],
  ['notin', '_nin'],
  // isnull=true is _null; isnull=false becomes _nnull in parseComparison.
  ['isnull', '_null'],
]);

/**
 * A shorthand filter on a plain field of the collection: `status=active`, `price__gte=100`,
 * `status__in=a,b`, `published_at__isnull=true`. A parameter that is neither reserved nor a shorthand
 * is refused, which catches typos such as `?limt=5`.
 */
function parseShorthand(root: CollectionDef, key: string, value: unknown): FilterNode {
  let field = findField(root, key);
  let suffix = 'eq';
  const split = /^(.+)__([^_]+)$/.exec(key);
  if (!field && split) {
    field = findField(root, split[1]);
    suffix = split[2];
  }
  if (!field) throw invalidQuery(`Unknown query parameter "${key}".`, { parameter: key });
  const operator = SHORTHAND_OPERATORS.get(suffix);
  if (!operator) throw invalidQuery(`Unknown operator "${suffix}" in query parameter "${key}".`, { parameter: key, field: field.field, operator: suffix });
  const source = { parameter: key, label: `parameter "${key}"` };
  if (!Array.isArray(value)) return parseComparison(source, field, operator, value);
  // A repeated list shorthand (status__in=a&status__in=b) adds to the list; any other is ambiguous.
  if (operator !== '_in' && operator !== '_nin') throw invalidQuery(`The parameter "${key}" is given more than once.`, { parameter: key });
  return parseComparison(source, field, operator, value.join(','));
}

// ---------------------------------------------------------------------------------------------------
// Sort, pagination, search, meta

/**
 * Sort terms from `title`, `-rating`, `author.name`: a path through many-to-one relations (at most
 * `maxDepth`) ending in a plain field. To-many relations have no single value to sort by, except their
 * number: `-count(comments)`, where `counts` allows it (the root of a read).
 */
export function parseSort(schema: WorkspaceSchema, collection: CollectionDef, items: string[], source: FilterSource, maxDepth: number, counts = false): SortTerm[] {
  const { parameter, label } = source;
  return items.map((item) => {
    const descending = item.startsWith('-');
    const text = descending ? item.slice(1) : item;
    const direction = descending ? 'desc' : 'asc';
    const counted = countedRelation(text);
    if (counted !== null) {
      if (!counts) throw invalidQuery(`Can not sort by "${text}" in ${label}: count() sorts only the items of the read itself.`, { parameter, field: text });
      countableRelation(schema, collection, counted, { parameter, label, item: text });
      return { path: [counted], direction, count: { filter: null } };
    }
    const path = manyToOnePath(schema, collection, text, { parameter, label, verb: 'sort by' }, maxDepth);
    if (path.length === 0) throw invalidQuery(`Invalid sort "${item}" in ${label}.`, { parameter, field: item });
    return { path, direction };
  });
}

/**
 * A path through many-to-one relations (at most `maxDepth`) ending in a plain field: `author.name`.
 * Answers its segments, or an empty list when a segment is empty.
 */
function manyToOnePath(schema: WorkspaceSchema, collection: CollectionDef, text: string, source: { parameter: string; label: string; verb: string }, maxDepth: number): string[] {
  const { parameter, label, verb } = source;
  const path = text.split('.');
  if (path.some((segment) => segment === '')) return [];
  if (path.length - 1 > maxDepth) {
    throw invalidQuery(`The path "${text}" in ${label} goes deeper than ${maxDepth} relations.`, { parameter, field: text });
  }
  let current = collection;
  path.forEach((segment, index) => {
    const segmentPath = path.slice(0, index + 1).join('.');
    const relational = findRelationalField(schema, current.name, segment);
    if (relational && relational.kind !== 'm2o') {
      const kind = relational.kind === 'o2m' ? 'one-to-many' : 'many-to-many';
      throw invalidQuery(`Can not ${verb} "${text}" in ${label}: "${segmentPath}" is a ${kind} relation.`, { parameter, field: segmentPath });
    }
    if (!findField(current, segment)) throw invalidQuery(`Unknown field "${segmentPath}" in ${label}.`, { parameter, field: segmentPath });
    if (index === path.length - 1) return;
    if (!relational) {
      throw invalidQuery(`"${segmentPath}" is not a relation, so "${text}" can not be used in ${label}.`, { parameter, field: text });
    }
    current = relatedCollection(schema, relational);
  });
  return path;
}

/** `limit`, and `offset` or `page` (offset = (page - 1) × limit). */
function parsePagination(input: QueryParameters, options: ParseOptions): { limit: number | null; offset: number } {
  const rawLimit = scalar(input, 'limit');
  // A negative default is configuration's way of saying "all".
  const defaultLimit = options.defaultLimit < 0 ? null : options.defaultLimit;
  const limit = rawLimit === undefined ? defaultLimit : parseLimit(rawLimit, options, 'limit', 'limit');
  const rawOffset = scalar(input, 'offset');
  const rawPage = scalar(input, 'page');
  if (rawPage === undefined) return { limit, offset: rawOffset === undefined ? 0 : parseOffset(rawOffset, 'offset', 'offset') };
  if (rawOffset !== undefined) throw invalidQuery('Give either offset or page, not both.', { parameter: 'page' });
  const page = parseInteger(rawPage, 'page', 'page');
  if (page < 1) throw invalidQuery('page must be at least 1.', { parameter: 'page' });
  if (limit === null) throw invalidQuery('page can not be used with limit=-1 (all items).', { parameter: 'page' });
  const offset = (page - 1) * limit;
  if (!Number.isSafeInteger(offset)) throw invalidQuery('page is too large.', { parameter: 'page' });
  return { limit, offset };
}

/** An integer from a number or a string of digits. */
function parseInteger(raw: unknown, parameter: string, label: string): number {
  const number = typeof raw === 'number' ? raw : typeof raw === 'string' && /^\s*-?\d+\s*$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(number)) {
    throw invalidQuery(`${label} must be an integer, not ${typeof raw === 'string' ? JSON.stringify(raw) : typeof raw}.`, { parameter });
  }
  return number;
}

/** A limit: at least 1, at most the maximum, or -1 for all (null) where there is no maximum. */
function parseLimit(raw: unknown, options: ParseOptions, parameter: string, label: string): number | null {
  const limit = parseInteger(raw, parameter, label);
  if (limit === -1) {
    if (options.maxLimit === null) return null;
    throw invalidQuery(`${label}=-1 (all items) is not allowed; the maximum is ${options.maxLimit}.`, { parameter });
  }
  if (limit < 1) throw invalidQuery(`${label} must be at least 1${options.maxLimit === null ? ', or -1 for all items' : ''}.`, { parameter });
  if (options.maxLimit !== null && limit > options.maxLimit) throw invalidQuery(`${label} can not exceed ${options.maxLimit}.`, { parameter });
  return limit;
}

function parseOffset(raw: unknown, parameter: string, label: string): number {
  const offset = parseInteger(raw, parameter, label);
  if (offset < 0) throw invalidQuery(`${label} must be 0 or more.`, { parameter });
  return offset;
}

/** The search text, trimmed; blank is no search. */
function parseSearch(raw: unknown): string | null {
  if (raw === undefined) return null;
  if (typeof raw !== 'string') throw invalidQuery('search must be a string.', { parameter: 'search' });
  const fault = textFault(raw);
  if (fault) throw invalidQuery(`search holds ${fault}, which no stored value holds.`, { parameter: 'search' });
  const text = raw.trim();
  return text === '' ? null : text;
}

const META_FIELDS: readonly MetaField[] = ['total_count', 'filter_count'];

/** `meta=total_count,filter_count` or `meta=*`, in a fixed order whatever the request's. */
function parseMeta(items: string[]): MetaField[] {
  for (const item of items) {
    if (item !== '*' && !(META_FIELDS as readonly string[]).includes(item)) {
      throw invalidQuery(`Unknown meta "${item}"; use total_count, filter_count or *.`, { parameter: 'meta', value: item });
    }
  }
  return META_FIELDS.filter((meta) => items.includes(meta) || items.includes('*'));
}

// ---------------------------------------------------------------------------------------------------
// Aggregates and grouping

const AGGREGATE_FUNCTIONS: readonly AggregateFunction[] = ['count', 'countDistinct', 'sum', 'avg', 'min', 'max'];

function isAggregateFunction(name: string): name is AggregateFunction {
  return (AGGREGATE_FUNCTIONS as readonly string[]).includes(name);
}

/**
 * `aggregate` as `{"count":"*","sum":["price"]}` or `aggregate[sum]=price,rating`: a term per function
 * and field, on fields of the collection or paths through many-to-one relations ending in a field
 * (`sum=post.views`), `*` only for count, sum and avg only on numbers, min and max only on values with
 * an order.
 */
function parseAggregate(schema: WorkspaceSchema, root: CollectionDef, sources: unknown[], maxDepth: number): AggregateTerm[] {
  const terms: AggregateTerm[] = [];
  for (const source of sources) {
    for (const [fn, raw] of Object.entries(readJsonObject(source, 'aggregate'))) {
      if (!isAggregateFunction(fn)) {
        throw invalidQuery(`Unknown aggregate function "${fn}"; use ${AGGREGATE_FUNCTIONS.join(', ')}.`, { parameter: 'aggregate', function: fn });
      }
      const fields = stringItems(raw, 'aggregate', `aggregate[${fn}]`);
      if (fields.length === 0) throw invalidQuery(`aggregate[${fn}] needs a field${fn === 'count' ? ' or *' : ''}.`, { parameter: 'aggregate', function: fn });
      for (const field of fields) {
        checkAggregateField(schema, root, fn, field, maxDepth);
        if (!terms.some((term) => term.fn === fn && term.field === field)) terms.push({ fn, field });
      }
    }
  }
  return terms;
}

function checkAggregateField(schema: WorkspaceSchema, root: CollectionDef, fn: AggregateFunction, name: string, maxDepth: number): void {
  if (name === '*') {
    if (fn === 'count') return;
    throw invalidQuery(`aggregate[${fn}] needs a field; only count takes *.`, { parameter: 'aggregate', function: fn, field: name });
  }
  const field = name.includes('.') ? fieldAtEndOf(schema, root, name, maxDepth) : plainField(root, name, 'aggregate');
  if ((fn === 'sum' || fn === 'avg') && !fieldType(field.type).numeric) {
    throw invalidQuery(`aggregate[${fn}] needs a numeric field; "${name}" is ${field.type}.`, { parameter: 'aggregate', function: fn, field: name });
  }
  if ((fn === 'min' || fn === 'max') && !fieldType(field.type).ordered) {
    throw invalidQuery(`aggregate[${fn}] needs a field whose values have an order (numbers, text, dates, times); "${name}" is ${field.type}.`, {
      parameter: 'aggregate',
      function: fn,
      field: name,
    });
  }
}

/** The field a path through many-to-one relations ends in (`post.views`: the views of posts). */
function fieldAtEndOf(schema: WorkspaceSchema, root: CollectionDef, name: string, maxDepth: number): FieldDef {
  const path = manyToOnePath(schema, root, name, { parameter: 'aggregate', label: 'aggregate', verb: 'aggregate' }, maxDepth);
  if (path.length === 0) throw invalidQuery(`Empty segment in the path "${name}" in aggregate.`, { parameter: 'aggregate', field: name });
  let collection = root;
  for (const hop of path.slice(0, -1)) collection = relatedCollection(schema, findRelationalField(schema, collection.name, hop)!);
  return findField(collection, path[path.length - 1])!;
}

/**
 * `groupBy=status,author,author.name`: plain fields of the collection, or paths through many-to-one
 * relations ending in a field, each once. A many-to-one grouped by its key can not also be grouped by a
 * path through it: the answer has one `author`, a key or an object.
 */
function parseGroupBy(schema: WorkspaceSchema, root: CollectionDef, items: string[], maxDepth: number): string[] {
  const paths = [...new Set(items.map((name) => {
    if (!name.includes('.')) return plainField(root, name, 'groupBy').field;
    const path = manyToOnePath(schema, root, name, { parameter: 'groupBy', label: 'groupBy', verb: 'group by' }, maxDepth);
    if (path.length === 0) throw invalidQuery(`Empty segment in the path "${name}" in groupBy.`, { parameter: 'groupBy', field: name });
    return path.join('.');
  }))];
  for (const path of paths) {
    const prefix = paths.find((other) => other !== path && path.startsWith(`${other}.`));
    if (prefix !== undefined) {
      throw invalidQuery(`groupBy can not name both "${prefix}" and "${path}": "${prefix}" would be answered as its key and as an object.`, { parameter: 'groupBy', field: path });
    }
  }
  return paths;
}

/** A column of the collection (a many-to-one counts: it is its foreign key); aliases and paths are not. */
function plainField(collection: CollectionDef, name: string, parameter: string): FieldDef {
  const field = findField(collection, name);
  if (!field) throw invalidQuery(`Unknown field "${name}" in ${parameter}.`, { parameter, field: name });
  return field;
}

// ---------------------------------------------------------------------------------------------------
// deep

/** The options `deep` may set on a one-to-many or many-to-many read. */
const DEEP_OPTIONS = new Set(['_filter', '_sort', '_limit', '_offset']);

interface DeepScope {
  schema: WorkspaceSchema;
  options: ParseOptions;
}

/**
 * Applies the relation keys of a `deep` object to the nested reads of a selection draft. A relation
 * that `fields` did not expand has nothing to apply to and is skipped; a key that is no relation at
 * all is refused.
 */
function applyDeep(scope: DeepScope, draft: SelectionDraft, entries: [string, unknown][], path: string[]): void {
  for (const [key, value] of entries) {
    const keyPath = [...path, key];
    if (key.startsWith('_')) {
      throw invalidQuery(`"${key}" in deep must be under a relation, as in deep[comments][${key}].`, { parameter: 'deep', operator: key });
    }
    if (!findRelationalField(scope.schema, draft.collection.name, key)) {
      throw invalidQuery(`"${keyPath.join('.')}" in deep is not a relation of "${draft.collection.name}".`, { parameter: 'deep', field: keyPath.join('.') });
    }
    if (!isRecord(value)) throw invalidQuery(`${deepLabel(keyPath)} must be an object.`, { parameter: 'deep', field: keyPath.join('.') });
    const nested = draft.relations.get(key);
    if (nested) applyNestedOptions(scope, nested, value, keyPath);
  }
}

/** `deep[comments][_limit]` and its siblings: the options of one nested read, then its own relations. */
function applyNestedOptions(scope: DeepScope, nested: NestedDraft, value: Record<string, unknown>, path: string[]): void {
  const relations: [string, unknown][] = [];
  for (const [key, raw] of Object.entries(value)) {
    if (!key.startsWith('_')) {
      relations.push([key, raw]);
      continue;
    }
    const label = deepLabel([...path, key]);
    if (!DEEP_OPTIONS.has(key)) {
      throw invalidQuery(`Unknown option "${key}" in ${deepLabel(path)}; use _filter, _sort, _limit or _offset.`, {
        parameter: 'deep',
        field: path.join('.'),
        operator: key,
      });
    }
    if (nested.relational.kind === 'm2o') {
      throw invalidQuery(`${label} can not be used: "${path.join('.')}" is a many-to-one, which reads one item.`, {
        parameter: 'deep',
        field: path.join('.'),
        operator: key,
      });
    }
    const collection = nested.selection.collection;
    const source = { parameter: 'deep', label, maxDepth: scope.options.maxDepth };
    if (key === '_filter') nested.filter = parseFilter(scope.schema, collection, raw, source);
    else if (key === '_sort') nested.sort = parseSort(scope.schema, collection, stringItems(raw, 'deep', label), source, scope.options.maxDepth);
    else if (key === '_limit') nested.limit = parseLimit(raw, scope.options, 'deep', label);
    else nested.offset = parseOffset(raw, 'deep', label);
  }
  applyDeep(scope, nested.selection, relations, path);
}

function deepLabel(path: string[]): string {
  return `deep${path.map((segment) => `[${segment}]`).join('')}`;
}
