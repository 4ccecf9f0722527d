import { Body, Controller, HttpCode, Post, Req } from '@nestjs/common';
import { ApiBody, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { ApiErrors } from '../../../common/http/api-docs.decorators';
import { requestOrigin } from '../../audit/activity.recorder';
import { CurrentWorkspace, RequireWorkspaceRole } from '../../workspaces/workspace-access.guard';
import type { ItemsAccess } from '../../workspaces/workspaces.service';
import { BATCH_ACTIONS } from './batch.operations';
import { ItemsBatch } from './items-batch.service';

/** `{"$ref": ...}`, described in words: a property named `$ref` in a schema reads as a reference to tools. */
const REFERENCE = {
  type: 'object',
  minProperties: 1,
  maxProperties: 1,
  additionalProperties: true,
  description: 'A reference, anywhere in `key` or `data`: `{"$ref": 2}` stands for the key of operation 2\'s result, `{"$ref": "2.title"}` for a field of it (an earlier operation only).',
};

const BATCH_REQUEST = {
  type: 'object',
  required: ['operations'],
  additionalProperties: false,
  properties: {
    operations: {
      type: 'array',
      minItems: 1,
      description: 'Run in order, in one transaction: all are written, or none. At most BATCH_MAX_OPERATIONS (100).',
      items: {
        type: 'object',
        required: ['collection', 'action'],
        additionalProperties: false,
        properties: {
          collection: { type: 'string' },
          action: { type: 'string', enum: [...BATCH_ACTIONS] },
          key: { description: 'The item an update or delete changes (none for a create).', oneOf: [{ type: 'string' }, { type: 'number' }, REFERENCE] },
          data: { type: 'object', additionalProperties: true, description: "A create's or an update's values (none for a delete)." },
        },
      },
    },
  },
};

const BATCH_RESPONSE = {
  type: 'object',
  required: ['data'],
  properties: {
    data: {
      type: 'array',
      description: "Each operation's result in order: a create's or an update's item as the caller may read it (null if none of it), null for a delete.",
      items: { type: 'object', additionalProperties: true, nullable: true },
    },
  },
};

/** `POST /w/{ws}/batch`: item operations across collections, all or nothing, beside the items routes and with their access. */
@ApiTags('items')
@Controller('w/:ws/batch')
export class BatchController {
  constructor(private readonly batch: ItemsBatch) {}

  @Post()
  @HttpCode(200)
  @RequireWorkspaceRole('viewer', { appRoles: true })
  @ApiOperation({
    summary: 'Create, update and delete items across collections in one transaction',
    description: 'The first operation that fails fails the batch (its index in `extensions.operation`), and nothing of it is written or announced.',
  })
  @ApiBody({ schema: BATCH_REQUEST })
  @ApiOkResponse({ schema: BATCH_RESPONSE })
  @ApiErrors(400, 401, 403, 404, 409, 413, 422)
  async run(@CurrentWorkspace() access: ItemsAccess, @Body() body: unknown, @Req() request: FastifyRequest) {
    return { data: await this.batch.run(access, body, requestOrigin(request)) };
  }
}
