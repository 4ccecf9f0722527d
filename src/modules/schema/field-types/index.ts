import type { FieldTypeName } from '../schema.types';
import type { FieldType } from './field-type';
import { bigintType, decimalType, floatType, integerType } from './number.types';
import { booleanType, dateType, datetimeType, jsonType, timeType } from './other.types';
import { autocodeType, enumType, fileType, stringType, textType, uuidType } from './text.types';
import { appUserType, memberType } from './user.types';

const TYPES: Record<FieldTypeName, FieldType> = {
  string: stringType,
  text: textType,
  integer: integerType,
  bigint: bigintType,
  float: floatType,
  decimal: decimalType,
  boolean: booleanType,
  date: dateType,
  datetime: datetimeType,
  time: timeType,
  json: jsonType,
  uuid: uuidType,
  enum: enumType,
  autocode: autocodeType,
  file: fileType,
  app_user: appUserType,
  member: memberType,
};

export function fieldType(name: FieldTypeName): FieldType {
  return TYPES[name];
}

export { FieldValueError } from './field-type';
export { INTEGER_RANGES } from './number.types';
export { datetimeToDatabase } from './codec';
export type { FieldType, FieldCodec, FieldFilter, FieldGraphQL, ColumnShape, GraphQLScalarName, OpenApiSchema, OperatorFamily } from './field-type';
