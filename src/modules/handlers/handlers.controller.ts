import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiQuery, ApiTags } from '@nestjs/swagger';
import { invalidPayload } from '../../common/errors/app-error';
import { ApiErrors, ApiNoContent } from '../../common/http/api-docs.decorators';
import { CurrentWorkspace, RequireWorkspaceRole } from '../workspaces/workspace-access.guard';
import type { WorkspaceAccess } from '../workspaces/workspaces.service';
import { CreateHandlerDto, SampleHandlerDto, UpdateHandlerDto } from './handler.dto';
import { HandlersService } from './handlers.service';

const HANDLER = { type: 'object', additionalProperties: true };
const RUN = {
  type: 'object',
  required: ['id', 'status', 'duration_ms', 'logs', 'error', 'created_at'],
  properties: { id: { type: 'string' }, status: { type: 'string', enum: ['ok', 'error', 'timeout', 'memory', 'crash'] }, duration_ms: { type: 'integer' }, logs: { type: 'array', items: { type: 'string' } }, error: { type: 'string', nullable: true }, created_at: { type: 'string', format: 'date-time' } },
};
const SAMPLE_RESULT = {
  type: 'object',
  required: ['status', 'logs', 'duration_ms'],
  properties: {
    status: { type: 'string', enum: ['ok', 'error', 'timeout', 'memory', 'crash'] },
    value: { description: 'What the handler returned (status ok).' },
    error: { type: 'object', required: ['message', 'status', 'code', 'name'], properties: { message: { type: 'string' }, status: { type: 'integer', nullable: true }, code: { type: 'string', nullable: true }, name: { type: 'string', nullable: true } } },
    logs: { type: 'array', items: { type: 'string' } },
    duration_ms: { type: 'integer' },
    memory: { type: 'object', required: ['heap_used_bytes', 'limit_mb'], properties: { heap_used_bytes: { type: 'integer' }, limit_mb: { type: 'integer' } } },
  },
};
const DATA = (schema: object, isArray = false) => ({ schema: { type: 'object', required: ['data'], properties: { data: isArray ? { type: 'array', items: schema } : schema } } });

/** The sandboxed JavaScript handlers of a workspace and their run log; owners and admins only. */
@ApiTags('handlers')
@Controller('w/:ws/handlers')
export class HandlersController {
  constructor(private readonly handlers: HandlersService) {}

  @Get()
  @RequireWorkspaceRole('admin')
  @ApiOkResponse(DATA(HANDLER, true))
  @ApiErrors(401, 403, 404)
  async list(@CurrentWorkspace() access: WorkspaceAccess) {
    return { data: await this.handlers.list(access) };
  }

  @Post()
  @RequireWorkspaceRole('admin')
  @ApiCreatedResponse(DATA(HANDLER))
  @ApiErrors(400, 401, 403, 404, 409)
  async create(@CurrentWorkspace() access: WorkspaceAccess, @Body() body: CreateHandlerDto) {
    return { data: await this.handlers.create(access, body) };
  }

  @Get(':id')
  @RequireWorkspaceRole('admin')
  @ApiOkResponse(DATA(HANDLER))
  @ApiErrors(401, 403, 404)
  async get(@CurrentWorkspace() access: WorkspaceAccess, @Param('id') id: string) {
    return { data: await this.handlers.get(access, id) };
  }

  @Patch(':id')
  @RequireWorkspaceRole('admin')
  @ApiOkResponse(DATA(HANDLER))
  @ApiErrors(400, 401, 403, 404, 409)
  async update(@CurrentWorkspace() access: WorkspaceAccess, @Param('id') id: string, @Body() body: UpdateHandlerDto) {
    return { data: await this.handlers.update(access, id, body) };
  }

  @Delete(':id')
  @HttpCode(204)
  @RequireWorkspaceRole('admin')
  @ApiNoContent('The handler and its run log are deleted')
  @ApiErrors(401, 403, 404)
  async remove(@CurrentWorkspace() access: WorkspaceAccess, @Param('id') id: string): Promise<void> {
    await this.handlers.remove(access, id);
  }

  /**
   * Runs the handler on a sample request (an endpoint) or item event (a hook), as the caller, without
   * committing its writes; answers its value or error with its logs, duration and memory, whatever happened.
   */
  @Post(':id/sample')
  @HttpCode(200)
  @RequireWorkspaceRole('admin')
  @ApiOkResponse(DATA(SAMPLE_RESULT))
  @ApiErrors(400, 401, 403, 404, 503)
  async sample(@CurrentWorkspace() access: WorkspaceAccess, @Param('id') id: string, @Body() body: SampleHandlerDto) {
    return { data: await this.handlers.sample(access, id, body) };
  }

  @Get(':id/runs')
  @RequireWorkspaceRole('admin')
  @ApiOkResponse(DATA(RUN, true))
  @ApiErrors(401, 403, 404)
  @ApiQuery({ name: 'limit', required: false, description: 'How many runs, 1 to 500 (default 50).' })
  async runs(@CurrentWorkspace() access: WorkspaceAccess, @Param('id') id: string, @Query('limit') limit?: string) {
    const take = limit === undefined ? 50 : Number(limit);
    if (!Number.isInteger(take) || take < 1 || take > 500) throw invalidPayload('Invalid query: "limit" must be 1 to 500.', 'limit');
    return { data: await this.handlers.runs(access, id, take) };
  }
}
