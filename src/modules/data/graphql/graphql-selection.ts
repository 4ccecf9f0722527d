import { FieldNode, getArgumentValues, GraphQLFieldConfig, GraphQLInt, GraphQLNonNull, GraphQLObjectType, GraphQLResolveInfo, isObjectType, getNamedType } from 'graphql';
import { collectSubFields } from '@graphql-tools/utils';
import { AppError } from '../../../common/errors/app-error';
import { countKey } from '../../../engine/query/query.ast';

type Params = Record<string, unknown>;

/** The arguments of a list field, as the REST query parameters of the same read. */
export const LIST_ARGUMENTS = ['filter', 'sort', 'limit', 'offset', 'page', 'search'] as const;
/** The arguments of a nested one-to-many or many-to-many field, as `deep` options. */
const DEEP_OPTIONS: Record<string, string> = { filter: '_filter', sort: '_sort', limit: '_limit', offset: '_offset' };

/**
 * The type of a to-many relation's `<relation>_func` field, as Directus names it: `comments_func { count }`
 * is REST's `count(comments)`, the number of related items the caller may read.
 */
export const COUNT_FUNCTIONS = new GraphQLObjectType({
  name: 'count_functions',
  fields: { count: { type: new GraphQLNonNull(GraphQLInt), description: 'How many related items the caller may read.' } },
});
/** The suffix of a relation's functions field: `comments_func`. */
export const FUNCTIONS_SUFFIX = '_func';

/** The `<relation>_func` field of a to-many relation: its count, read as REST's `count(relation)`. */
export function countFunctionsField<C>(relation: string): GraphQLFieldConfig<Params, C> {
  return {
    type: new GraphQLNonNull(COUNT_FUNCTIONS),
    description: `Functions of "${relation}": count, the number of its items the caller may read.`,
    resolve: (row) => ({ count: row[countKey(relation)] }),
  };
}

/** What a selection set asks for, as REST's `fields` and `deep`. */
export interface SelectionParams {
  fields: string[];
  deep: Params;
}

/**
 * A GraphQL selection set on a collection's type → the `fields` paths and `deep` options of the same
 * read in the REST query language: `title author { name } comments(limit: 2) { body }` is
 * `fields=title,author.name,comments.body&deep[comments][_limit]=2`. So GraphQL reads go through the one
 * parser, policy merge and compiler, and nested relations are read one statement per level.
 */
export function selectionParams(info: GraphQLResolveInfo, nodes: readonly FieldNode[], type: GraphQLObjectType): SelectionParams {
  const fields: string[] = [];
  const deep: Params = {};
  collect(info, nodes, type, '', fields, deep);
  return { fields, deep };
}

function collect(info: GraphQLResolveInfo, nodes: readonly FieldNode[], type: GraphQLObjectType, prefix: string, fields: string[], deep: Params): void {
  const byName = new Map<string, { nodes: FieldNode[]; args: string }>();
  for (const [, fieldNodes] of collectSubFields(info.schema, info.fragments, info.variableValues, type, [...nodes]).fields) {
    const name = fieldNodes[0].name.value;
    if (name.startsWith('__')) continue;
    const definition = type.getFields()[name];
    const args = JSON.stringify(getArgumentValues(definition, fieldNodes[0], info.variableValues));
    const seen = byName.get(name);
    if (!seen) {
      byName.set(name, { nodes: [...fieldNodes], args });
    } else if (seen.args === args) {
      seen.nodes.push(...fieldNodes);
    } else {
      throw new AppError('INVALID_QUERY', `"${prefix}${name}" is selected twice with different arguments; select it once.`, { field: `${prefix}${name}` });
    }
  }
  for (const [name, { nodes: fieldNodes }] of byName) {
    const definition = type.getFields()[name];
    const related = getNamedType(definition.type);
    if (related === COUNT_FUNCTIONS) {
      fields.push(`${prefix}count(${name.slice(0, -FUNCTIONS_SUFFIX.length)})`);
      continue;
    }
    if (!isObjectType(related)) {
      fields.push(`${prefix}${name}`);
      continue;
    }
    const nested: Params = {};
    const before = fields.length;
    collect(info, fieldNodes, related, `${prefix}${name}.`, fields, nested);
    // A relation selected for its __typename alone still reads the related item.
    if (fields.length === before) fields.push(`${prefix}${name}.id`);
    const args = getArgumentValues(definition, fieldNodes[0], info.variableValues);
    for (const [arg, option] of Object.entries(DEEP_OPTIONS)) {
      if (args[arg] !== undefined && args[arg] !== null) nested[option] = args[arg];
    }
    if (Object.keys(nested).length > 0) deep[name] = nested;
  }
}

/** A list field's own arguments as query parameters; absent and null ones are left out. */
export function listParams(args: Params): Params {
  const params: Params = {};
  for (const name of LIST_ARGUMENTS) {
    if (args[name] !== undefined && args[name] !== null) params[name] = args[name];
  }
  return params;
}

/** The `fields` and `deep` of a field's selection, as query parameters (no `deep` when it is empty). */
export function readParams(info: GraphQLResolveInfo, type: GraphQLObjectType, nodes: readonly FieldNode[] = info.fieldNodes): Params {
  const { fields, deep } = selectionParams(info, nodes, type);
  return Object.keys(deep).length > 0 ? { fields, deep } : { fields };
}

/** The nodes of one field, by its name, in a selection set on `type` (fragments and directives applied). */
export function subFieldNodes(info: GraphQLResolveInfo, nodes: readonly FieldNode[], type: GraphQLObjectType, name: string): FieldNode[] {
  const found: FieldNode[] = [];
  for (const [, fieldNodes] of collectSubFields(info.schema, info.fragments, info.variableValues, type, [...nodes]).fields) {
    if (fieldNodes[0].name.value === name) found.push(...fieldNodes);
  }
  return found;
}
