import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiBody, ApiCreatedResponse, ApiOkResponse, ApiResponse, ApiTags } from '@nestjs/swagger';
import { ApiErrors, ApiNoContent } from '../../common/http/api-docs.decorators';
import { invalidPayload } from '../../common/errors/app-error';
import { CurrentWorkspace, RequireWorkspaceRole } from '../workspaces/workspace-access.guard';
import type { WorkspaceAccess } from '../workspaces/workspaces.service';
import { WebhooksService } from './webhooks.service';

const WEBHOOK = {
  type: 'object',
  properties: {
    id: { type: 'string', format: 'uuid' },
    name: { type: 'string', example: 'Order sync' },
    url: { type: 'string', example: 'https://example.com/hooks/cairn' },
    events: { type: 'array', items: { type: 'string', enum: ['create', 'update', 'delete'] } },
    collections: { type: 'array', items: { type: 'string' }, nullable: true },
    headers: { type: 'object', additionalProperties: { type: 'string' } },
    enabled: { type: 'boolean' },
    disabled_reason: { type: 'string', nullable: true },
  },
};
const ATTEMPT = {
  type: 'object',
  properties: {
    attempt: { type: 'integer' },
    status_code: { type: 'integer', nullable: true, description: 'The receiver\'s status; null when no answer came.' },
    duration_ms: { type: 'integer' },
    error: { type: 'string', nullable: true },
    response: { type: 'string', nullable: true, description: 'The first KiB of the receiver\'s answer.' },
    request_headers: { type: 'object', additionalProperties: { type: 'string' }, nullable: true, description: 'The headers sent; null when nothing was sent.' },
    at: { type: 'string', format: 'date-time' },
  },
};
const DELIVERY = {
  type: 'object',
  properties: {
    id: { type: 'string', description: 'The message id, sent as webhook-id on every attempt.' },
    event: { type: 'string', example: 'items.create' },
    status: { type: 'string', enum: ['pending', 'delivered', 'failed'] },
    attempts: { type: 'integer' },
    next_attempt_at: { type: 'string', format: 'date-time', nullable: true },
    last_status_code: { type: 'integer', nullable: true },
    last_error: { type: 'string', nullable: true },
    payload: { type: 'object', description: 'The body sent.' },
    created_at: { type: 'string', format: 'date-time' },
    log: { type: 'array', items: ATTEMPT },
  },
};
const DATA = (schema: object, isArray = false) => ({ schema: { type: 'object', properties: { data: isArray ? { type: 'array', items: schema } : schema } } });

/** Webhooks of a workspace and their deliveries; owners and admins only. */
@ApiTags('webhooks')
@Controller('w/:ws/webhooks')
export class WebhooksController {
  constructor(private readonly webhooks: WebhooksService) {}

  @Get()
  @RequireWorkspaceRole('admin')
  @ApiOkResponse(DATA(WEBHOOK, true))
  @ApiErrors(401, 403, 404)
  async list(@CurrentWorkspace() access: WorkspaceAccess) {
    return { data: await this.webhooks.list(access) };
  }

  @Post()
  @RequireWorkspaceRole('admin')
  @ApiBody({ schema: { ...WEBHOOK, required: ['name', 'url'] } })
  @ApiCreatedResponse(DATA({ ...WEBHOOK, properties: { ...WEBHOOK.properties, secret: { type: 'string', description: 'Shown once.' } } }))
  @ApiErrors(401, 403, 404)
  async create(@CurrentWorkspace() access: WorkspaceAccess, @Body() body: unknown) {
    return { data: await this.webhooks.create(access, body) };
  }

  @Get(':id')
  @RequireWorkspaceRole('admin')
  @ApiOkResponse(DATA(WEBHOOK))
  @ApiErrors(401, 403, 404)
  async get(@CurrentWorkspace() access: WorkspaceAccess, @Param('id') id: string) {
    return { data: await this.webhooks.get(access, id) };
  }

  @Patch(':id')
  @RequireWorkspaceRole('admin')
  @ApiBody({ schema: WEBHOOK })
  @ApiOkResponse(DATA(WEBHOOK))
  @ApiErrors(401, 403, 404)
  async update(@CurrentWorkspace() access: WorkspaceAccess, @Param('id') id: string, @Body() body: unknown) {
    return { data: await this.webhooks.update(access, id, body) };
  }

  @Delete(':id')
  @HttpCode(204)
  @RequireWorkspaceRole('admin')
  @ApiNoContent('The webhook and its deliveries are deleted')
  @ApiErrors(401, 403, 404)
  async remove(@CurrentWorkspace() access: WorkspaceAccess, @Param('id') id: string): Promise<void> {
    await this.webhooks.remove(access, id);
  }

  @Post(':id/rotate-secret')
  @HttpCode(200)
  @RequireWorkspaceRole('admin')
  @ApiOkResponse(DATA({ type: 'object', properties: { secret: { type: 'string' }, previous_secret_expires_at: { type: 'string', format: 'date-time' } } }))
  @ApiErrors(401, 403, 404)
  async rotate(@CurrentWorkspace() access: WorkspaceAccess, @Param('id') id: string) {
    return { data: await this.webhooks.rotateSecret(access, id) };
  }

  @Get(':id/deliveries')
  @RequireWorkspaceRole('admin')
  @ApiOkResponse(DATA(DELIVERY, true))
  @ApiErrors(401, 403, 404)
  async deliveries(@CurrentWorkspace() access: WorkspaceAccess, @Param('id') id: string, @Query('limit') limit?: string) {
    const take = limit === undefined ? 50 : Number(limit);
    if (!Number.isInteger(take) || take < 1 || take > 500) throw invalidPayload('Invalid query: "limit" must be 1 to 500.', 'limit');
    return { data: await this.webhooks.listDeliveries(access, id, take) };
  }

  @Post(':id/deliveries/:delivery/redeliver')
  @HttpCode(202)
  @RequireWorkspaceRole('admin')
  @ApiNoContent('The delivery is sent again')
  @ApiErrors(401, 403, 404)
  async redeliver(@CurrentWorkspace() access: WorkspaceAccess, @Param('id') id: string, @Param('delivery') delivery: string): Promise<void> {
    await this.webhooks.redeliver(access, id, delivery);
  }

  @Post(':id/deliveries/replay-failed')
  @HttpCode(202)
  @RequireWorkspaceRole('admin')
  @ApiResponse({ status: 202, description: 'Every failed delivery is sent again, each with its own id', ...DATA({ type: 'object', properties: { replayed: { type: 'integer' } } }) })
  @ApiErrors(401, 403, 404, 409)
  async replayFailed(@CurrentWorkspace() access: WorkspaceAccess, @Param('id') id: string) {
    return { data: await this.webhooks.replayFailed(access, id) };
  }

  @Post(':id/test')
  @HttpCode(200)
  @RequireWorkspaceRole('admin')
  @ApiOkResponse({ description: 'The test event was sent; the delivery logged, with the receiver\'s answer', ...DATA(DELIVERY) })
  @ApiErrors(401, 403, 404)
  async test(@CurrentWorkspace() access: WorkspaceAccess, @Param('id') id: string) {
    return { data: await this.webhooks.sendTest(access, id) };
  }
}
