import { listedCollections } from '../../schema/relation-targets';
import { Controller, Get, Header, Param } from '@nestjs/common';
import { ApiExcludeEndpoint, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { notFound } from '../../../common/errors/app-error';
import { ApiErrors } from '../../../common/http/api-docs.decorators';
import { SkipRateLimit } from '../../../common/rate-limit/rate-limit.decorators';
import { InjectConfig } from '../../../config/config.module';
import type { ServerConfig } from '../../../config/app-config';
import { Public } from '../../../common/principal/principal';
import { SchemaRegistry } from '../../schema/schema.registry';
import { SLUG_PATTERN } from '../../workspaces/workspace.dto';
import { CurrentWorkspace, RequireWorkspaceRole } from '../../workspaces/workspace-access.guard';
import { appCaller, PoliciesService } from '../../policies/policies.service';
import { AppRoleAccess, isAppRoleAccess, ItemsAccess } from '../../workspaces/workspaces.service';
import { VirtualCollections } from '../virtual-collections';
import { CollectionActions, workspaceOpenApi } from './workspace-openapi';

/**
 * A Swagger UI page for one workspace's document; the token in its address is sent with each request.
 * The token may be in the fragment (`#access_token=…`), which browsers never send, so it stays out of
 * server logs: the console's API explorer passes it so. No validator badge: Swagger UI would load it
 * from another host.
 */
function swaggerPage(ws: string): string {
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Cairn — ${ws}</title><link rel="stylesheet" href="/api/docs/swagger-ui.css"></head>
<body><div id="swagger-ui"></div>
<script src="/api/docs/swagger-ui-bundle.js"></script>
<script>
const token = new URLSearchParams(location.hash.slice(1)).get('access_token') || new URLSearchParams(location.search).get('access_token');
window.ui = SwaggerUIBundle({
  url: './openapi.json',
  dom_id: '#swagger-ui',
  persistAuthorization: true,
  validatorUrl: null,
  requestInterceptor: (request) => { if (token && !request.headers.Authorization) request.headers.Authorization = 'Bearer ' + token; return request; },
});
</script>
</body></html>`;
}

@ApiTags('schema')
@SkipRateLimit()
@Controller('w/:ws')
export class WorkspaceOpenApiController {
  /** Documents by workspace, kept while the workspace's schema version and its views stay the same. */
  private readonly cache = new Map<string, { version: string; document: Record<string, unknown> }>();

  constructor(
    private readonly registry: SchemaRegistry,
    @InjectConfig('server') private readonly config: ServerConfig,
    private readonly policies: PoliciesService,
    private readonly virtual: VirtualCollections,
  ) {}

  @Get('openapi.json')
  @RequireWorkspaceRole('viewer', { appRoles: true })
  @ApiOkResponse({ description: 'The OpenAPI 3 document of the workspace\'s generated API, rebuilt when its schema changes; for app users and anonymous callers, only what their policies grant.', schema: { type: 'object' } })
  @ApiErrors(401, 404)
  async document(@CurrentWorkspace() access: ItemsAccess) {
    const { workspace } = access;
    if (isAppRoleAccess(access)) return this.documentFor(access);
    const schema = await this.registry.forWorkspace(workspace);
    const virtual = await this.virtual.describe(schema);
    const version = `${schema.version}:${virtual.stamp}`;
    const cached = this.cache.get(workspace.id);
    if (cached && cached.version === version) return cached.document;
    const document = workspaceOpenApi(schema, workspace, `${this.config.publicUrl}/api/v1/w/${workspace.slug}`, null, virtual.collections);
    this.cache.set(workspace.id, { version, document });
    return document;
  }

  /** An app role's own document: built on each request, as it depends on the role's policies too. */
  private async documentFor(access: AppRoleAccess) {
    const { workspace } = access;
    const caller = appCaller(access);
    const schema = await this.registry.forWorkspace(workspace);
    const permissions = await this.policies.readPermissions(workspace, schema, caller);
    const actions = new Map<string, CollectionActions>();
    for (const { name } of listedCollections(schema)) {
      const grant = (action: 'create' | 'update' | 'delete') => this.policies.writeGrant(workspace, schema, caller, name, action);
      const [create, update, remove] = await Promise.all([grant('create'), grant('update'), grant('delete')]);
      actions.set(name, { read: permissions.grants.has(name), create: create?.fields ?? null, update: update?.fields ?? null, delete: remove !== null });
    }
    const view = { visible: permissions.visibleSchema, actions: (name: string) => actions.get(name)! };
    // Only the views the role may read, as GraphQL and /items/{view} show them to it.
    const virtual = await this.virtual.describe(schema, permissions.visibleSchema);
    return workspaceOpenApi(schema, workspace, `${this.config.publicUrl}/api/v1/w/${workspace.slug}`, view, virtual.collections);
  }

  @Public()
  @Get('docs')
  @Header('content-type', 'text/html; charset=utf-8')
  @ApiExcludeEndpoint()
  page(@Param('ws') ws: string): string {
    if (!SLUG_PATTERN.test(ws) && !/^[0-9a-f-]{36}$/i.test(ws)) throw notFound('Workspace not found.');
    return swaggerPage(ws);
  }
}
