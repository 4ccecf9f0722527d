import { All, Controller, HttpCode, Req } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { notFound } from '../../common/errors/app-error';
import { CurrentWorkspace, RequireWorkspaceRole } from '../workspaces/workspace-access.guard';
import type { ItemsAccess } from '../workspaces/workspaces.service';
import { HandlerCatalog } from './handler.catalog';
import { HandlerRunner } from './handler.runner';

/** Headers a handler never sees: credentials, which it has no use for since it acts as the caller. */
const HIDDEN_HEADERS = /^(authorization|proxy-authorization|cookie|x-api-key)$|token|secret/i;

/**
 * The workspaces' custom endpoints, `/w/{ws}/custom/...`: whoever may reach the workspace's items
 * (members, API keys, app users, anonymous callers with the public role) reaches them; the handler
 * decides further, and its items() calls are held to the caller's access. Their answer is
 * `{"data": <what the handler returned>}`. Not in the OpenAPI document: each workspace defines its own.
 */
@ApiExcludeController()
@Controller('w/:ws/custom')
export class CustomEndpointsController {
  constructor(
    private readonly catalog: HandlerCatalog,
    private readonly runner: HandlerRunner,
  ) {}

  @All('*')
  @HttpCode(200)
  @RequireWorkspaceRole('viewer', { appRoles: true })
  async handle(@CurrentWorkspace() access: ItemsAccess, @Req() request: FastifyRequest) {
    const path = `/${(request.params as Record<string, string | undefined>)['*'] ?? ''}`;
    const found = await this.catalog.endpoint(access.workspace.id, request.method, path);
    if (!found) throw notFound(`No custom endpoint answers ${request.method} ${path}.`);
    const data = await this.runner.run(found.handler, access, {
      request: {
        method: request.method,
        path,
        params: found.params,
        query: (request.query ?? {}) as Record<string, unknown>,
        headers: visibleHeaders(request.headers),
        body: request.body ?? null,
      },
    });
    return { data };
  }
}

function visibleHeaders(headers: FastifyRequest['headers']): Record<string, string> {
  const visible: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (HIDDEN_HEADERS.test(name) || value === undefined) continue;
    visible[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return visible;
}
