import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiBody, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '../../../common/http/api-docs.decorators';
import { CurrentWorkspace, RequireWorkspaceRole } from '../../workspaces/workspace-access.guard';
import type { WorkspaceAccess } from '../../workspaces/workspaces.service';
import { ItemsExplainer } from './items.explainer';

const POLICY = {
  type: 'object',
  properties: {
    id: { type: 'string', format: 'uuid' },
    name: { type: 'string', nullable: true },
    role: { type: 'string' },
    collection: { type: 'string' },
    action: { type: 'string', enum: ['create', 'read', 'update', 'delete'] },
    filter: { type: 'object', nullable: true },
    fields: { type: 'array', items: { type: 'string' } },
    validation: { type: 'object', nullable: true },
    presets: { type: 'object', nullable: true },
    verified_email: { type: 'boolean' },
  },
};

const EXPLAIN_REQUEST = {
  type: 'object',
  required: ['as', 'collection', 'action'],
  properties: {
    as: {
      type: 'object',
      description: 'Exactly one of: {"member_role": "viewer"}, {"app_role": "authenticated"}, {"app_user": "<id>"}, {"api_key": "<id>"}, {"anonymous": true}.',
      properties: {
        member_role: { type: 'string', enum: ['owner', 'admin', 'editor', 'viewer'] },
        app_role: { type: 'string' },
        app_user: { type: 'string' },
        api_key: { type: 'string' },
        anonymous: { type: 'boolean', enum: [true] },
      },
      example: { app_role: 'authenticated' },
    },
    collection: { type: 'string', example: 'articles' },
    action: { type: 'string', enum: ['create', 'read', 'update', 'delete'] },
    id: { oneOf: [{ type: 'integer' }, { type: 'string' }], description: 'An item: not for a create.' },
    data: { type: 'object', description: 'The values of a create or update.' },
    fields: { type: 'array', items: { type: 'string' }, description: 'The fields a read names (to select, filter, sort…).' },
  },
};

const EXPLANATION = {
  type: 'object',
  properties: {
    allowed: { type: 'boolean', description: 'Whether the real request would succeed.' },
    reason: { type: 'string' },
    principal: { type: 'object', properties: { kind: { type: 'string' }, description: { type: 'string' } } },
    rule: {
      type: 'object',
      properties: {
        kind: { type: 'string', enum: ['member_role', 'api_key_scope', 'policy', 'no_policy', 'verified_email', 'read_only', 'suspended'] },
        role: { type: 'string' },
        policy: POLICY,
      },
    },
    fields: {
      type: 'object',
      properties: {
        readable: { type: 'array', items: { type: 'string' } },
        hidden: { type: 'array', items: { type: 'object', properties: { field: { type: 'string' }, reason: { type: 'string' } } } },
        writable: { type: 'array', items: { type: 'string' } },
        presets: { type: 'object' },
      },
    },
    item: { type: 'object', properties: { exists: { type: 'boolean' }, visible: { type: 'boolean' }, reachable: { type: 'boolean' }, reason: { type: 'string' } } },
    data: {
      type: 'object',
      properties: { accepted: { type: 'boolean' }, reason: { type: 'string' }, code: { type: 'string' }, field: { type: 'string' }, values: { type: 'object' } },
    },
  },
};

const VIEW_ITEMS_REQUEST = {
  type: 'object',
  required: ['as', 'collection'],
  properties: {
    as: EXPLAIN_REQUEST.properties.as,
    collection: { type: 'string', example: 'articles' },
    query: {
      type: 'object',
      description: 'The parameters of GET /items, with structured or string values: filter, sort, limit, offset, page, fields, search, deep.',
      properties: {
        filter: { type: 'object' },
        sort: { oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }] },
        limit: { type: 'integer' },
        offset: { type: 'integer' },
        page: { type: 'integer' },
        fields: { oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }] },
        search: { type: 'string' },
        deep: { type: 'object' },
      },
    },
  },
};

const ITEMS_VIEW = {
  type: 'object',
  required: ['data', 'meta', 'hidden_fields', 'access'],
  properties: {
    data: { type: 'array', items: { type: 'object', additionalProperties: true } },
    meta: { type: 'object', required: ['total_count', 'filter_count'], properties: { total_count: { type: 'integer' }, filter_count: { type: 'integer' } } },
    hidden_fields: EXPLANATION.properties.fields.properties.hidden,
    access: {
      type: 'object',
      required: ['allowed', 'reason', 'principal', 'rule'],
      properties: { allowed: EXPLANATION.properties.allowed, reason: EXPLANATION.properties.reason, principal: EXPLANATION.properties.principal, rule: EXPLANATION.properties.rule },
    },
  },
};

/** Explains what a principal may do with a collection, an item or a write, without doing it; owners and admins only. */
@ApiTags('policies')
@Controller('w/:ws/explain')
export class ExplainController {
  constructor(private readonly explainer: ItemsExplainer) {}

  @Post()
  @HttpCode(200)
  @RequireWorkspaceRole('admin')
  @ApiBody({ schema: EXPLAIN_REQUEST })
  @ApiOkResponse({ schema: { type: 'object', required: ['data'], properties: { data: EXPLANATION } } })
  @ApiErrors(401, 403, 404)
  async explain(@CurrentWorkspace() access: WorkspaceAccess, @Body() body: unknown) {
    return { data: await this.explainer.explain(access, body) };
  }

  /** The items a principal would read, through the same reader and policy as its real GET /items; nothing is written. */
  @Post('items')
  @HttpCode(200)
  @RequireWorkspaceRole('admin')
  @ApiBody({ schema: VIEW_ITEMS_REQUEST })
  @ApiOkResponse({ schema: ITEMS_VIEW })
  @ApiErrors(400, 401, 403, 404)
  viewItems(@CurrentWorkspace() access: WorkspaceAccess, @Body() body: unknown) {
    return this.explainer.viewItems(access, body);
  }
}
