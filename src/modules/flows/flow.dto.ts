import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsBoolean, IsIn, IsObject, IsOptional, IsString, Matches, MaxLength, MinLength, ValidateNested } from 'class-validator';
import { FLOW_EVENTS, OPERATION_KEY } from './flow-definition';

const KEY_MESSAGE = 'must be a key of letters, digits and underscores, not starting with a digit, at most 64 characters';

/** A flow's trigger; which fields apply depends on `type`, and the service checks that. */
export class FlowTriggerDto {
  @ApiProperty({ enum: ['event', 'schedule', 'manual'] })
  @IsIn(['event', 'schedule', 'manual'])
  type!: 'event' | 'schedule' | 'manual';

  @ApiPropertyOptional({ type: [String], description: 'event: the collections whose items trigger the flow.' })
  @IsOptional() @IsArray() @ArrayMinSize(1) @ArrayMaxSize(100) @IsString({ each: true })
  collections?: string[];

  @ApiPropertyOptional({ enum: FLOW_EVENTS, isArray: true, description: 'event: the changes that trigger it; all three when absent.' })
  @IsOptional() @IsArray() @ArrayMinSize(1) @IsIn(FLOW_EVENTS, { each: true })
  events?: Array<'create' | 'update' | 'delete'>;

  @ApiPropertyOptional({ type: 'object', additionalProperties: true, description: 'event: a query-language filter the item (as written) must match.' })
  @IsOptional() @IsObject()
  filter?: Record<string, unknown>;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    description: 'event, with events ["update"] only: a query-language filter the item must have matched before the update; with filter, a change from one state to another.',
  })
  @IsOptional() @IsObject()
  before_filter?: Record<string, unknown>;

  @ApiPropertyOptional({ example: '*/5 * * * * *', description: 'schedule: a cron pattern in UTC; five fields, or six with seconds first.' })
  @IsOptional() @IsString() @MaxLength(128)
  cron?: string;
}

/** One operation of a flow. */
export class FlowOperationDto {
  @ApiProperty({ example: 'make_task' })
  @Matches(OPERATION_KEY, { message: `key ${KEY_MESSAGE}` })
  key!: string;

  @ApiProperty({ example: 'create_item', description: 'read_items, create_item, update_item, delete_item, request, condition or log.' })
  @IsString() @MaxLength(64)
  type!: string;

  @ApiPropertyOptional({ type: 'object', additionalProperties: true })
  @IsOptional() @IsObject()
  options?: Record<string, unknown>;

  @ApiPropertyOptional({ description: 'The key of the operation that runs after this one; the run ends when absent.' })
  @IsOptional() @Matches(OPERATION_KEY, { message: `next ${KEY_MESSAGE}` })
  next?: string;

  @ApiPropertyOptional({ description: 'condition only: where the run goes when the condition does not hold.' })
  @IsOptional() @Matches(OPERATION_KEY, { message: `otherwise ${KEY_MESSAGE}` })
  otherwise?: string;
}

export class CreateFlowDto {
  @ApiProperty({ maxLength: 128 })
  @IsString() @MinLength(1) @MaxLength(128)
  name!: string;

  @ApiPropertyOptional({ default: true })
  @IsOptional() @IsBoolean()
  enabled?: boolean;

  @ApiProperty({ type: FlowTriggerDto })
  @IsObject() @ValidateNested() @Type(() => FlowTriggerDto)
  trigger!: FlowTriggerDto;

  @ApiProperty({ type: [FlowOperationDto] })
  @IsArray() @ValidateNested({ each: true }) @Type(() => FlowOperationDto)
  operations!: FlowOperationDto[];

  @ApiProperty({ description: 'The key of the operation the run starts with.' })
  @Matches(OPERATION_KEY, { message: `first ${KEY_MESSAGE}` })
  first!: string;
}

/** A change to a flow: the fields given replace the flow's; the whole flow is checked again. */
export class UpdateFlowDto {
  @ApiPropertyOptional({ maxLength: 128 })
  @IsOptional() @IsString() @MinLength(1) @MaxLength(128)
  name?: string;

  @ApiPropertyOptional()
  @IsOptional() @IsBoolean()
  enabled?: boolean;

  @ApiPropertyOptional({ type: FlowTriggerDto })
  @IsOptional() @IsObject() @ValidateNested() @Type(() => FlowTriggerDto)
  trigger?: FlowTriggerDto;

  @ApiPropertyOptional({ type: [FlowOperationDto] })
  @IsOptional() @IsArray() @ValidateNested({ each: true }) @Type(() => FlowOperationDto)
  operations?: FlowOperationDto[];

  @ApiPropertyOptional()
  @IsOptional() @Matches(OPERATION_KEY, { message: `first ${KEY_MESSAGE}` })
  first?: string;
}

export class FlowOperationView {
  @ApiProperty() key!: string;
  @ApiProperty() type!: string;
  @ApiProperty({ type: 'object', additionalProperties: true }) options!: Record<string, unknown>;
  @ApiProperty({ nullable: true, type: String }) next!: string | null;
  @ApiProperty({ nullable: true, type: String }) otherwise!: string | null;
}

export class FlowView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty() enabled!: boolean;
  @ApiProperty({ type: 'object', additionalProperties: true }) trigger!: Record<string, unknown>;
  @ApiProperty({ type: [FlowOperationView] }) operations!: FlowOperationView[];
  @ApiProperty() first!: string;
  @ApiProperty({ format: 'date-time' }) created_at!: string;
  @ApiProperty({ format: 'date-time' }) updated_at!: string;
}

export class FlowStepView {
  @ApiProperty() key!: string;
  @ApiProperty() type!: string;
  @ApiProperty({ enum: ['succeeded', 'failed'] }) status!: 'succeeded' | 'failed';
  @ApiPropertyOptional({ description: 'The options it ran with, templates resolved (cut at 16 KB here); absent when they could not be resolved.' }) input?: unknown;
  @ApiPropertyOptional({ description: 'What the step gave, as later steps read it (cut at 16 KB here).' }) result?: unknown;
  @ApiPropertyOptional() error?: string;
  @ApiProperty() duration_ms!: number;
}

export class FlowRunView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) flow_id!: string;
  @ApiProperty({ enum: ['event', 'schedule', 'manual'] }) trigger_type!: string;
  @ApiProperty({ type: 'object', additionalProperties: true, description: 'What `$trigger` held.' }) trigger!: Record<string, unknown>;
  @ApiProperty({ enum: ['pending', 'running', 'succeeded', 'failed'] }) status!: string;
  @ApiProperty({ type: [FlowStepView] }) steps!: FlowStepView[];
  @ApiProperty({ nullable: true, type: String }) error!: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) scheduled_for!: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'uuid', description: 'The run this one re-runs with the same trigger data.' }) rerun_of!: string | null;
  @ApiProperty({ format: 'date-time' }) created_at!: string;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) started_at!: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) finished_at!: string | null;
}
