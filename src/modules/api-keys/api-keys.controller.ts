import { Body, Controller, Delete, Get, Param, Post } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { ApiData, ApiErrors, ApiNoContent } from '../../common/http/api-docs.decorators';
import { CurrentWorkspace, RequireWorkspaceRole } from '../workspaces/workspace-access.guard';
import type { WorkspaceAccess } from '../workspaces/workspaces.service';
import { ApiKeyDto, CreateApiKeyDto, CreatedApiKeyDto, toApiKeyDto } from './api-key.dto';
import { ApiKeysService } from './api-keys.service';

@ApiTags('api-keys')
@Controller('workspaces/:ws/api-keys')
export class ApiKeysController {
  constructor(private readonly apiKeys: ApiKeysService) {}

  @Get()
  @RequireWorkspaceRole('admin')
  @ApiData(ApiKeyDto, { isArray: true })
  @ApiErrors(401, 403, 404)
  async list(@CurrentWorkspace() access: WorkspaceAccess) {
    return { data: (await this.apiKeys.list(access)).map(toApiKeyDto) };
  }

  @Post()
  @RequireWorkspaceRole('admin')
  @ApiData(CreatedApiKeyDto, { status: 201, description: 'The key, shown this once.' })
  @ApiErrors(401, 403, 404)
  async create(@CurrentWorkspace() access: WorkspaceAccess, @Body() body: CreateApiKeyDto) {
    const { entity, key } = await this.apiKeys.create(access, body.name, body.role);
    return { data: { ...toApiKeyDto(entity), key } };
  }

  @Delete(':id')
  @RequireWorkspaceRole('admin')
  @ApiNoContent('The key is revoked')
  @ApiErrors(401, 403, 404)
  async revoke(@CurrentWorkspace() access: WorkspaceAccess, @Param('id') id: string): Promise<void> {
    await this.apiKeys.revoke(access, id);
  }
}
