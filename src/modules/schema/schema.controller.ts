import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiBody, ApiCreatedResponse, ApiOkResponse, ApiQuery, ApiTags } from '@nestjs/swagger';
import { invalidPayload } from '../../common/errors/app-error';
import { ApiErrors, ApiNoContent } from '../../common/http/api-docs.decorators';
import { CurrentWorkspace, RequireWorkspaceRole } from '../workspaces/workspace-access.guard';
import type { WorkspaceAccess } from '../workspaces/workspaces.service';
import { toIndexDto } from './composite-indexes';
import { toFieldDto } from './field-input';
import { filesFieldDto, filesFieldsOf, findFilesField, FILES_TYPE } from './files-fields';
import { IndexesService } from './indexes.service';
import { RelationsService, toRelationDto } from './relations.service';
import { SchemaService } from './schema.service';
import { SnapshotService } from './snapshot.service';
import { FIELD_TYPES, type CollectionDef, type WorkspaceSchema } from './schema.types';

type Raw = Record<string, unknown>;

const FIELD_SCHEMA = {
  type: 'object',
  required: ['field', 'type'],
  properties: {
    field: { type: 'string', example: 'title' },
    type: { type: 'string', enum: [...FIELD_TYPES] },
    required: { type: 'boolean' },
    unique: { type: 'boolean' },
    index: { type: 'boolean' },
    default: {},
    length: { type: 'integer' },
    precision: { type: 'integer' },
    scale: { type: 'integer' },
    values: { type: 'array', items: { type: 'string' } },
    autocode: { type: 'object', properties: { prefix: { type: 'string' }, padding: { type: 'integer' } } },
    validation: { type: 'object', example: { min_length: 3, email: { value: true, message: 'Give an email' } } },
    note: { type: 'string' },
  },
};

/** A field as the fields routes take and show it: of a column's type, or `files` (no column, a junction). */
const FIELD_OR_FILES_SCHEMA = {
  ...FIELD_SCHEMA,
  properties: {
    ...FIELD_SCHEMA.properties,
    type: { type: 'string', enum: [...FIELD_TYPES, FILES_TYPE], description: '`files`: many files per item, through a junction collection `<collection>_<field>`.' },
  },
};

/** A field change names only what changes: nothing is required (OpenAPI 3.0 forbids an empty `required`). */
const { required: _required, ...FIELD_CHANGE_SCHEMA } = FIELD_SCHEMA;

const COLLECTION_SCHEMA = {
  type: 'object',
  required: ['collection'],
  properties: { collection: { type: 'string', example: 'posts' }, primary_key: { type: 'string', enum: ['integer', 'uuid'] }, note: { type: 'string' }, fields: { type: 'array', items: FIELD_SCHEMA } },
};
const RELATION_SCHEMA = {
  type: 'object',
  required: ['collection', 'field', 'related_collection'],
  properties: {
    collection: { type: 'string', example: 'posts' },
    field: { type: 'string', example: 'author' },
    related_collection: { type: 'string', example: 'authors' },
    on_delete: { type: 'string', enum: ['SET NULL', 'CASCADE', 'RESTRICT'] },
    one_field: { type: 'string', example: 'posts', description: 'The one-to-many alias on the related collection.' },
    junction: { type: 'boolean', description: 'Many-to-many through a new junction collection `<collection>_<field>`.' },
  },
};
const INDEX_SCHEMA = {
  type: 'object',
  required: ['fields'],
  properties: {
    fields: { type: 'array', minItems: 1, items: { type: 'string' }, example: ['status', '-published_at'], description: 'Fields of the collection in index order; "-" before a field makes it descending.' },
    unique: { type: 'boolean', default: false },
    name: { type: 'string', pattern: '^[a-z][a-z0-9_]{0,62}$', description: 'Unique per collection; a short, stable name is made when left out.' },
  },
};
const DATA = (items: object, isArray = false) => ({ schema: { type: 'object', properties: { data: isArray ? { type: 'array', items } : items } } });

function objectBody(body: unknown): Raw {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw invalidPayload('Invalid payload: the request body must be a JSON object.');
  return body as Raw;
}

/** The `force` query parameter: `true` or `1` force a change that could lose data or break what depends on it. */
function forced(force: string | undefined): boolean {
  return force === 'true' || force === '1';
}

export function toCollectionDto(collection: CollectionDef): Raw {
  return { collection: collection.name, primary_key: collection.primaryKey, note: collection.note, fields: collection.fields.map((field) => toFieldDto(collection.name, field)) };
}

@ApiTags('schema')
@Controller('w/:ws')
export class SchemaController {
  constructor(
    private readonly schemas: SchemaService,
    private readonly relations: RelationsService,
    private readonly indexes: IndexesService,
    private readonly snapshots: SnapshotService,
  ) {}

  @Get('collections')
  @RequireWorkspaceRole('viewer')
  @ApiOkResponse(DATA(COLLECTION_SCHEMA, true))
  @ApiErrors(401, 404)
  async listCollections(@CurrentWorkspace() access: WorkspaceAccess) {
    const schema = await this.schemas.schemaOf(access);
    return { data: [...schema.collections.values()].map(toCollectionDto) };
  }

  @Post('collections')
  @RequireWorkspaceRole('admin')
  @ApiBody({ schema: COLLECTION_SCHEMA })
  @ApiCreatedResponse(DATA(COLLECTION_SCHEMA))
  @ApiErrors(401, 403, 404, 409)
  async createCollection(@CurrentWorkspace() access: WorkspaceAccess, @Body() body: unknown) {
    return { data: toCollectionDto(await this.schemas.createCollection(access, objectBody(body))) };
  }

  @Get('collections/:name')
  @RequireWorkspaceRole('viewer')
  @ApiOkResponse(DATA(COLLECTION_SCHEMA))
  @ApiErrors(401, 404)
  async getCollection(@CurrentWorkspace() access: WorkspaceAccess, @Param('name') name: string) {
    return { data: toCollectionDto(this.schemas.requireCollection(await this.schemas.schemaOf(access), name)) };
  }

  @Patch('collections/:name')
  @RequireWorkspaceRole('admin')
  @ApiBody({ schema: { type: 'object', properties: { note: { type: 'string' } } } })
  @ApiOkResponse(DATA(COLLECTION_SCHEMA))
  @ApiErrors(401, 403, 404)
  async updateCollection(@CurrentWorkspace() access: WorkspaceAccess, @Param('name') name: string, @Body() body: unknown) {
    return { data: toCollectionDto(await this.schemas.updateCollection(access, name, objectBody(body))) };
  }

  @Delete('collections/:name')
  @RequireWorkspaceRole('admin')
  @ApiQuery({ name: 'force', required: false, description: 'Delete a collection that holds rows or that relations, views, policies, flows, webhooks or handlers depend on.' })
  @ApiNoContent('The collection, its table and its relations are gone')
  @ApiErrors(401, 403, 404, 409)
  async deleteCollection(@CurrentWorkspace() access: WorkspaceAccess, @Param('name') name: string, @Query('force') force?: string): Promise<void> {
    await this.schemas.deleteCollection(access, name, forced(force));
  }

  @Get('collections/:name/indexes')
  @RequireWorkspaceRole('viewer')
  @ApiOkResponse(DATA(INDEX_SCHEMA, true))
  @ApiErrors(401, 404)
  async listIndexes(@CurrentWorkspace() access: WorkspaceAccess, @Param('name') name: string) {
    return { data: (await this.indexes.list(access, name)).map(toIndexDto) };
  }

  @Post('collections/:name/indexes')
  @RequireWorkspaceRole('admin')
  @ApiBody({ schema: INDEX_SCHEMA })
  @ApiCreatedResponse(DATA(INDEX_SCHEMA))
  @ApiErrors(401, 403, 404, 409)
  async createIndex(@CurrentWorkspace() access: WorkspaceAccess, @Param('name') name: string, @Body() body: unknown) {
    return { data: toIndexDto(await this.indexes.create(access, name, objectBody(body))) };
  }

  @Delete('collections/:name/indexes/:index')
  @RequireWorkspaceRole('admin')
  @ApiNoContent('The index is gone from the registry and the database')
  @ApiErrors(401, 403, 404, 409)
  async deleteIndex(@CurrentWorkspace() access: WorkspaceAccess, @Param('name') name: string, @Param('index') index: string): Promise<void> {
    await this.indexes.remove(access, name, index);
  }

  @Get('fields')
  @RequireWorkspaceRole('viewer')
  @ApiOkResponse(DATA(FIELD_OR_FILES_SCHEMA, true))
  @ApiErrors(401, 404)
  async listAllFields(@CurrentWorkspace() access: WorkspaceAccess) {
    const schema = await this.schemas.schemaOf(access);
    return { data: [...schema.collections.values()].flatMap((c) => fieldDtos(schema, c)) };
  }

  @Get('fields/:collection')
  @RequireWorkspaceRole('viewer')
  @ApiOkResponse(DATA(FIELD_OR_FILES_SCHEMA, true))
  @ApiErrors(401, 404)
  async listFields(@CurrentWorkspace() access: WorkspaceAccess, @Param('collection') collection: string) {
    const schema = await this.schemas.schemaOf(access);
    return { data: fieldDtos(schema, this.schemas.requireCollection(schema, collection)) };
  }

  @Post('fields/:collection')
  @RequireWorkspaceRole('admin')
  @ApiBody({ schema: FIELD_OR_FILES_SCHEMA })
  @ApiCreatedResponse(DATA(FIELD_OR_FILES_SCHEMA))
  @ApiErrors(401, 403, 404, 409)
  async addField(@CurrentWorkspace() access: WorkspaceAccess, @Param('collection') collection: string, @Body() body: unknown) {
    const raw = objectBody(body);
    if (raw.type === FILES_TYPE) {
      const files = await this.relations.createFiles(access, collection, raw);
      return { data: filesFieldDto(collection, files.field) };
    }
    return { data: toFieldDto(collection, await this.schemas.addField(access, collection, raw)) };
  }

  @Patch('fields/:collection/:field')
  @RequireWorkspaceRole('admin')
  @ApiBody({ schema: FIELD_CHANGE_SCHEMA })
  @ApiQuery({ name: 'force', required: false, description: 'Apply a change that could lose data.' })
  @ApiOkResponse(DATA(FIELD_SCHEMA))
  @ApiErrors(401, 403, 404, 409)
  async updateField(
    @CurrentWorkspace() access: WorkspaceAccess,
    @Param('collection') collection: string,
    @Param('field') field: string,
    @Body() body: unknown,
    @Query('force') force?: string,
  ) {
    const updated = await this.schemas.updateField(access, collection, field, objectBody(body), forced(force));
    return { data: toFieldDto(collection, updated) };
  }

  @Delete('fields/:collection/:field')
  @RequireWorkspaceRole('admin')
  @ApiQuery({ name: 'force', required: false, description: 'Delete a field that a relation, view, policy or flow depends on.' })
  @ApiNoContent('The field and its column are gone')
  @ApiErrors(401, 403, 404, 409)
  async deleteField(@CurrentWorkspace() access: WorkspaceAccess, @Param('collection') collection: string, @Param('field') field: string, @Query('force') force?: string): Promise<void> {
    if (findFilesField(await this.schemas.schemaOf(access), collection, field)) await this.schemas.deleteFilesField(access, collection, field, forced(force));
    else await this.schemas.deleteField(access, collection, field, forced(force));
  }

  @Get('relations')
  @RequireWorkspaceRole('viewer')
  @ApiOkResponse(DATA(RELATION_SCHEMA, true))
  @ApiErrors(401, 404)
  async listRelations(@CurrentWorkspace() access: WorkspaceAccess) {
    return { data: (await this.schemas.schemaOf(access)).relations.map(toRelationDto) };
  }

  @Post('relations')
  @RequireWorkspaceRole('admin')
  @ApiBody({ schema: RELATION_SCHEMA })
  @ApiCreatedResponse(DATA(RELATION_SCHEMA, true))
  @ApiErrors(401, 403, 404, 409)
  async createRelation(@CurrentWorkspace() access: WorkspaceAccess, @Body() body: unknown) {
    return { data: (await this.relations.create(access, objectBody(body))).map(toRelationDto) };
  }

  @Get('schema/snapshot')
  @RequireWorkspaceRole('admin')
  @ApiOkResponse(DATA({ type: 'object', properties: { version: { type: 'integer' }, collections: { type: 'array', items: {} }, relations: { type: 'array', items: {} } }, additionalProperties: { type: 'array', description: 'A section of the setup: roles, policies, handlers, flows, webhooks, views.', items: {} } }, false))
  @ApiErrors(401, 403, 404)
  async snapshot(@CurrentWorkspace() access: WorkspaceAccess) {
    return { data: await this.snapshots.snapshot(access) };
  }

  @Post('schema/diff')
  @HttpCode(200)
  @RequireWorkspaceRole('admin')
  @ApiBody({ schema: { type: 'object', required: ['snapshot'], properties: { snapshot: { type: 'object' }, impact: { type: 'boolean', description: 'Add to each step that loses something its impact: rows, values, loss, dependants.' } } } })
  @ApiOkResponse(DATA({ type: 'object', description: 'One planned step: action and what it applies to.' }, true))
  @ApiErrors(401, 403, 404)
  async diff(@CurrentWorkspace() access: WorkspaceAccess, @Body() body: unknown) {
    const { snapshot, impact } = objectBody(body);
    if (impact !== undefined && typeof impact !== 'boolean') throw invalidPayload('Invalid payload: impact must be true or false.', 'impact');
    return { data: await this.snapshots.diff(access, this.snapshots.parse(snapshot), { impact: impact === true }) };
  }

  @Post('schema/apply')
  @HttpCode(200)
  @RequireWorkspaceRole('admin')
  @ApiBody({ schema: { type: 'object', required: ['snapshot'], properties: { snapshot: { type: 'object' }, dry_run: { type: 'boolean' }, force: { type: 'boolean', description: 'Apply field changes that could lose data, and delete collections that hold rows or that sections left out of the snapshot depend on.' } } } })
  @ApiOkResponse(DATA({ type: 'object', description: 'One applied (or, with dry_run, planned) step.' }, true))
  @ApiErrors(401, 403, 404, 409)
  async apply(@CurrentWorkspace() access: WorkspaceAccess, @Body() body: unknown) {
    const { snapshot, dry_run: dryRun, force } = objectBody(body);
    if (dryRun !== undefined && typeof dryRun !== 'boolean') throw invalidPayload('Invalid payload: dry_run must be true or false.', 'dry_run');
    if (force !== undefined && typeof force !== 'boolean') throw invalidPayload('Invalid payload: force must be true or false.', 'force');
    return { data: await this.snapshots.apply(access, this.snapshots.parse(snapshot), { dryRun: dryRun === true, force: force === true }) };
  }

  @Get('schema/migrations')
  @RequireWorkspaceRole('admin')
  @ApiOkResponse(DATA({ type: 'object', properties: { version: { type: 'integer' }, action: { type: 'string' }, detail: { type: 'object' }, actor_type: { type: 'string' }, actor_id: { type: 'string' }, created_at: { type: 'string', format: 'date-time' } } }, true))
  @ApiErrors(401, 403, 404)
  async migrations(@CurrentWorkspace() access: WorkspaceAccess) {
    return { data: await this.snapshots.history(access) };
  }

  @Delete('relations/:collection/:field')
  @RequireWorkspaceRole('admin')
  @ApiNoContent('The relation is gone (a many-to-one keeps its column; a many-to-many drops its junction)')
  @ApiErrors(401, 403, 404)
  async deleteRelation(@CurrentWorkspace() access: WorkspaceAccess, @Param('collection') collection: string, @Param('field') field: string): Promise<void> {
    await this.relations.remove(access, collection, field);
  }
}

/** A collection's fields as the fields routes show them: its columns, then its files fields. */
function fieldDtos(schema: WorkspaceSchema, collection: CollectionDef): Array<Record<string, unknown>> {
  return [...collection.fields.map((field) => toFieldDto(collection.name, field)), ...filesFieldsOf(schema, collection.name).map((files) => filesFieldDto(collection.name, files.field))];
}
