import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { Allow, ArrayMaxSize, ArrayNotEmpty, IsArray, IsBoolean, IsIn, IsInt, IsObject, IsOptional, IsString, MaxLength, Min, MinLength, ValidateNested } from 'class-validator';
import { HANDLER_EVENTS, HANDLER_KINDS, HANDLER_METHODS, HandlerEntity, HandlerEvent, HandlerKind, HandlerMethod, HandlerRunEntity, RunStatus } from './handler.entities';

/** The largest handler code, in bytes: it must fit a MariaDB TEXT column. */
export const MAX_CODE_BYTES = 60_000;

/** The fields a handler is made of; which apply depends on its kind, which the service checks. */
export class UpdateHandlerDto {
  @ApiPropertyOptional({ maxLength: 128, example: 'Refuse negative totals' })
  @IsOptional() @IsString() @MinLength(1) @MaxLength(128)
  name?: string;

  @ApiPropertyOptional({ description: 'Hooks: the collection whose writes run the handler.', example: 'orders' })
  @IsOptional() @IsString() @MinLength(1) @MaxLength(64)
  collection?: string;

  @ApiPropertyOptional({ enum: HANDLER_EVENTS, isArray: true, description: 'Hooks: the writes that run the handler (default: all three).' })
  @IsOptional() @IsArray() @ArrayNotEmpty() @ArrayMaxSize(3) @IsIn(HANDLER_EVENTS, { each: true })
  events?: HandlerEvent[];

  @ApiPropertyOptional({ enum: HANDLER_METHODS, description: 'Endpoints: the HTTP method.' })
  @IsOptional() @IsIn(HANDLER_METHODS)
  method?: HandlerMethod;

  @ApiPropertyOptional({ maxLength: 512, description: 'Endpoints: the path under /w/{ws}/custom, with :params.', example: '/orders/:id/summary' })
  @IsOptional() @IsString() @MaxLength(512)
  path?: string;

  @ApiPropertyOptional({ description: 'JavaScript that sets module.exports to an (async) function of ctx.', example: 'module.exports = async (ctx) => ({ hello: ctx.principal.kind });' })
  @IsOptional() @IsString() @MinLength(1)
  code?: string;

  @ApiPropertyOptional({ description: 'Whether it runs (true when created without it).' })
  @IsOptional() @IsBoolean()
  enabled?: boolean;

  @ApiPropertyOptional({ type: 'integer', nullable: true, description: 'The wall-clock deadline of a run, at most HANDLER_MAX_TIMEOUT; null: HANDLER_TIMEOUT.' })
  @IsOptional() @IsInt() @Min(10)
  timeout_ms?: number | null;

  @ApiPropertyOptional({ type: 'integer', nullable: true, description: 'The heap limit of a run, at most HANDLER_MAX_MEMORY_MB; null: HANDLER_MEMORY_MB.' })
  @IsOptional() @IsInt() @Min(8)
  memory_mb?: number | null;
}

export class CreateHandlerDto extends UpdateHandlerDto {
  @ApiProperty({ maxLength: 128 })
  @IsString() @MinLength(1) @MaxLength(128)
  declare name: string;

  @ApiProperty({ enum: HANDLER_KINDS, description: 'before or after: a hook on a collection\'s writes; endpoint: a custom route.' })
  @IsIn(HANDLER_KINDS)
  kind!: HandlerKind;

  @ApiProperty()
  @IsString() @MinLength(1)
  declare code: string;
}

/** An endpoint's sample request; what it leaves out is the endpoint's own method and path, and empty. */
export class SampleRequestDto {
  @ApiPropertyOptional({ enum: HANDLER_METHODS })
  @IsOptional() @IsIn(HANDLER_METHODS)
  method?: HandlerMethod;

  @ApiPropertyOptional({ description: 'A path the endpoint answers, such as /orders/42/summary: its :params are taken from it.', example: '/orders/42/summary' })
  @IsOptional() @IsString() @MaxLength(2048)
  path?: string;

  @ApiPropertyOptional({ type: 'object', additionalProperties: { type: 'string' } })
  @IsOptional() @IsObject()
  params?: Record<string, string>;

  @ApiPropertyOptional({ type: 'object', additionalProperties: true })
  @IsOptional() @IsObject()
  query?: Record<string, unknown>;

  @ApiPropertyOptional({ description: 'Any JSON value.' })
  @Allow()
  body?: unknown;

  @ApiPropertyOptional({ type: 'object', additionalProperties: { type: 'string' } })
  @IsOptional() @IsObject()
  headers?: Record<string, string>;
}

/** A hook's sample item event; the collection is the hook's. */
export class SampleEventDto {
  @ApiProperty({ enum: HANDLER_EVENTS })
  @IsIn(HANDLER_EVENTS)
  action!: HandlerEvent;

  @ApiPropertyOptional({ description: 'The hook\'s collection (the default); another is refused.' })
  @IsOptional() @IsString()
  collection?: string;

  @ApiPropertyOptional({ type: 'object', additionalProperties: true, nullable: true, description: 'The item\'s values as written (create, update); a delete has none.' })
  @IsOptional() @IsObject()
  payload?: Record<string, unknown> | null;

  @ApiPropertyOptional({ type: 'array', items: {}, description: 'The keys of the items (update, delete).' })
  @IsOptional() @IsArray() @ArrayMaxSize(100)
  keys?: unknown[];
}

/** What a sample run is given: a request for an endpoint, an item event for a hook. */
export class SampleHandlerDto {
  @ApiPropertyOptional({ type: SampleRequestDto })
  @IsOptional() @ValidateNested() @Type(() => SampleRequestDto)
  request?: SampleRequestDto;

  @ApiPropertyOptional({ type: SampleEventDto })
  @IsOptional() @ValidateNested() @Type(() => SampleEventDto)
  event?: SampleEventDto;
}

export interface HandlerDto {
  id: string;
  name: string;
  kind: HandlerKind;
  collection: string | null;
  events: HandlerEvent[] | null;
  method: HandlerMethod | null;
  path: string | null;
  code: string;
  enabled: boolean;
  timeout_ms: number | null;
  memory_mb: number | null;
  created_at: string;
  updated_at: string;
}

export interface HandlerRunDto {
  id: string;
  status: RunStatus;
  duration_ms: number;
  logs: string[];
  error: string | null;
  created_at: string;
}

export function toHandlerDto(handler: HandlerEntity): HandlerDto {
  return {
    id: handler.id,
    name: handler.name,
    kind: handler.kind,
    collection: handler.collection,
    events: handler.events === null ? null : (JSON.parse(handler.events) as HandlerEvent[]),
    method: handler.method,
    path: handler.path,
    code: handler.code,
    enabled: handler.enabled,
    timeout_ms: handler.timeoutMs,
    memory_mb: handler.memoryMb,
    created_at: handler.createdAt.toISOString(),
    updated_at: handler.updatedAt.toISOString(),
  };
}

export function toHandlerRunDto(run: HandlerRunEntity): HandlerRunDto {
  return { id: run.id, status: run.status, duration_ms: run.durationMs, logs: JSON.parse(run.logs) as string[], error: run.error, created_at: run.createdAt.toISOString() };
}
