import { GraphQLBoolean, GraphQLFloat, GraphQLID, GraphQLInt, GraphQLScalarType, GraphQLString, Kind, ValueNode } from 'graphql';
import { fieldType, type GraphQLScalarName } from '../../schema/field-types';
import type { FieldDef } from '../../schema/schema.types';

/** A JSON literal of a query, as the plain value it spells. */
function literalValue(node: ValueNode, variables: Record<string, unknown> | null | undefined): unknown {
  switch (node.kind) {
    case Kind.STRING:
    case Kind.BOOLEAN:
    case Kind.ENUM:
      return node.value;
    case Kind.INT:
    case Kind.FLOAT:
      return Number(node.value);
    case Kind.NULL:
      return null;
    case Kind.LIST:
      return node.values.map((value) => literalValue(value, variables));
    case Kind.OBJECT:
      return Object.fromEntries(node.fields.map((field) => [field.name.value, literalValue(field.value, variables)]));
    case Kind.VARIABLE:
      return variables?.[node.name.value];
  }
}

/** Any JSON value: json fields, and the `group` of an aggregate. */
export const GraphQLJSON = new GraphQLScalarType({
  name: 'JSON',
  description: 'Any JSON value.',
  serialize: (value) => value,
  parseValue: (value) => value,
  parseLiteral: literalValue,
});

/**
 * A 64-bit integer: a number while it is exact in JavaScript, a string of digits beyond, as the REST API
 * answers it. GraphQL's Int stops at 32 bits.
 */
export const GraphQLBigInt = new GraphQLScalarType({
  name: 'BigInt',
  description: 'A 64-bit integer: a number up to 2^53, a string of digits beyond.',
  serialize: (value) => value,
  parseValue: (value) => value,
  parseLiteral: (node) => (node.kind === Kind.INT || node.kind === Kind.STRING ? node.value : undefined),
});

/** The scalars field types name (see FieldGraphQL). */
export const SCALARS: Readonly<Record<GraphQLScalarName, GraphQLScalarType>> = {
  Int: GraphQLInt,
  Float: GraphQLFloat,
  String: GraphQLString,
  Boolean: GraphQLBoolean,
  BigInt: GraphQLBigInt,
  JSON: GraphQLJSON,
};

/** The GraphQL type of a field's values, in answers and in write inputs: its type's, but a key is an ID unless it is an integer. */
export function scalarOf(field: FieldDef): GraphQLScalarType {
  const { scalar } = fieldType(field.type).graphql;
  if (field.primaryKey) return scalar === 'Int' ? GraphQLInt : GraphQLID;
  return SCALARS[scalar];
}
