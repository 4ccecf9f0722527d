import { applyDecorators, HttpCode, Type } from '@nestjs/common';
import { ApiExtraModels, ApiProperty, ApiResponse, getSchemaPath } from '@nestjs/swagger';

class ErrorExtensionsDto {
  @ApiProperty({ example: 'INVALID_PAYLOAD', description: 'One of the contract\'s error codes.' }) code!: string;
  @ApiProperty({ required: false, description: 'The offending field, where there is one.' }) field?: string;
}

class ErrorItemDto {
  @ApiProperty() message!: string;
  @ApiProperty({ type: ErrorExtensionsDto }) extensions!: ErrorExtensionsDto;
}

/** The error envelope of every failed response. */
export class ErrorEnvelopeDto {
  @ApiProperty({ type: [ErrorItemDto] }) errors!: ErrorItemDto[];
}

const ERROR_DESCRIPTIONS: Record<number, string> = {
  400: 'INVALID_PAYLOAD: the body is malformed, has a wrong type or misses a field',
  401: 'INVALID_CREDENTIALS, TOKEN_EXPIRED or INVALID_TOKEN',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  409: 'CONFLICT',
  413: 'PAYLOAD_TOO_LARGE',
  429: 'RATE_LIMITED',
  503: 'SERVICE_UNAVAILABLE: the database or a required dependency is down',
};

/** Documents a success answered as `{"data": model}` (or an array of them, or `null` where `nullable`). */
export function ApiData(model: Type<unknown>, options: { status?: number; isArray?: boolean; nullable?: boolean; description?: string } = {}) {
  const { status = 200, isArray = false, nullable = false, description = 'Success' } = options;
  const one = nullable ? { nullable: true, allOf: [{ $ref: getSchemaPath(model) }] } : { $ref: getSchemaPath(model) };
  const data = isArray ? { type: 'array', items: { $ref: getSchemaPath(model) } } : one;
  return applyDecorators(
    HttpCode(status),
    ApiExtraModels(model),
    ApiResponse({ status, description, schema: { type: 'object', required: ['data'], properties: { data } } }),
  );
}

/** Documents a success with no body. */
export function ApiNoContent(description = 'Done') {
  return applyDecorators(HttpCode(204), ApiResponse({ status: 204, description }));
}

/** Documents the error answers a route can give, each in the error envelope. */
export function ApiErrors(...statuses: number[]) {
  return applyDecorators(
    ApiExtraModels(ErrorEnvelopeDto),
    ...[...new Set([...statuses, 400])].map((status) =>
      ApiResponse({ status, description: ERROR_DESCRIPTIONS[status] ?? 'Error', schema: { $ref: getSchemaPath(ErrorEnvelopeDto) } }),
    ),
  );
}
