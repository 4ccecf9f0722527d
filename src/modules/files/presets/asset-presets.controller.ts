import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post } from '@nestjs/common';
import { ApiBody, ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { ApiErrors, ApiNoContent } from '../../../common/http/api-docs.decorators';
import { CurrentWorkspace, RequireWorkspaceRole } from '../../workspaces/workspace-access.guard';
import type { WorkspaceAccess } from '../../workspaces/workspaces.service';
import { FITS, OUTPUT_FORMATS } from '../transforms/image-transform';
import { AssetPresetsService } from './asset-presets.service';

const PRESET = {
  type: 'object',
  properties: {
    name: { type: 'string', pattern: '^[a-z0-9][a-z0-9_-]{0,63}$', example: 'thumbnail' },
    width: { type: 'integer', minimum: 1, nullable: true, example: 200 },
    height: { type: 'integer', minimum: 1, nullable: true, example: 200 },
    fit: { type: 'string', enum: [...FITS], nullable: true },
    format: { type: 'string', enum: [...OUTPUT_FORMATS], nullable: true, example: 'webp' },
    quality: { type: 'integer', minimum: 1, maximum: 100, nullable: true, example: 80 },
    created_at: { type: 'string', format: 'date-time', readOnly: true },
    updated_at: { type: 'string', format: 'date-time', readOnly: true },
  },
};
const DATA = (schema: object, isArray = false) => ({ schema: { type: 'object', properties: { data: isArray ? { type: 'array', items: schema } : schema } } });

/** The asset presets of a workspace: owners and admins define them; `/assets/{id}?preset=name` applies one. */
@ApiTags('files')
@Controller('w/:ws/asset-presets')
export class AssetPresetsController {
  constructor(private readonly presets: AssetPresetsService) {}

  @Get()
  @RequireWorkspaceRole('admin')
  @ApiOkResponse(DATA(PRESET, true))
  @ApiErrors(401, 403, 404)
  async list(@CurrentWorkspace() access: WorkspaceAccess) {
    return { data: await this.presets.list(access) };
  }

  @Post()
  @RequireWorkspaceRole('admin')
  @ApiBody({ schema: { ...PRESET, required: ['name'] } })
  @ApiCreatedResponse(DATA(PRESET))
  @ApiErrors(400, 401, 403, 404, 409)
  async create(@CurrentWorkspace() access: WorkspaceAccess, @Body() body: unknown) {
    return { data: await this.presets.create(access, body) };
  }

  @Get(':name')
  @RequireWorkspaceRole('admin')
  @ApiOkResponse(DATA(PRESET))
  @ApiErrors(401, 403, 404)
  async get(@CurrentWorkspace() access: WorkspaceAccess, @Param('name') name: string) {
    return { data: await this.presets.get(access, name) };
  }

  @Patch(':name')
  @RequireWorkspaceRole('admin')
  @ApiBody({ schema: PRESET })
  @ApiOkResponse(DATA(PRESET))
  @ApiErrors(400, 401, 403, 404, 409)
  async update(@CurrentWorkspace() access: WorkspaceAccess, @Param('name') name: string, @Body() body: unknown) {
    return { data: await this.presets.update(access, name, body) };
  }

  @Delete(':name')
  @HttpCode(204)
  @RequireWorkspaceRole('admin')
  @ApiNoContent('The preset is deleted; variants made with it stay cached until their file is deleted')
  @ApiErrors(401, 403, 404)
  async remove(@CurrentWorkspace() access: WorkspaceAccess, @Param('name') name: string): Promise<void> {
    await this.presets.remove(access, name);
  }
}
