import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { ApiData, ApiErrors } from '../../common/http/api-docs.decorators';
import { UserOnly } from '../../common/principal/principal';
import { CurrentWorkspace, RequireWorkspaceRole } from '../workspaces/workspace-access.guard';
import type { WorkspaceAccess } from '../workspaces/workspaces.service';
import { ApplyTemplateDto, TemplateAppliedDto, TemplateDto } from './templates.dto';
import { TemplatesService } from './templates.service';

@ApiTags('templates')
@Controller()
export class TemplatesController {
  constructor(private readonly templates: TemplatesService) {}

  @Get('templates')
  @UserOnly()
  @ApiBearerAuth()
  @ApiData(TemplateDto, { isArray: true, description: 'The starter templates: crm, blog, todo.' })
  @ApiErrors(401, 403)
  list() {
    return { data: this.templates.list() };
  }

  @Get('templates/:name')
  @UserOnly()
  @ApiBearerAuth()
  @ApiData(TemplateDto)
  @ApiErrors(401, 403, 404)
  get(@Param('name') name: string) {
    return { data: this.templates.get(name) };
  }

  @Post('w/:ws/templates/:name/apply')
  @HttpCode(200)
  @RequireWorkspaceRole('admin')
  @ApiData(TemplateAppliedDto, { description: 'Applied: the steps run and the sample items made. Refused (409, naming them) when the workspace has any of the template\'s collections, app roles or policies already; nothing is changed then.' })
  @ApiErrors(400, 401, 403, 404, 409)
  async apply(@CurrentWorkspace() access: WorkspaceAccess, @Param('name') name: string, @Body() body: ApplyTemplateDto) {
    return { data: await this.templates.apply(access, name, { sampleData: body?.sample_data === true }) };
  }
}
