import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post } from '@nestjs/common';
import { ApiBody, ApiCreatedResponse, ApiOkResponse, ApiProperty, ApiTags } from '@nestjs/swagger';
import { IsEmail, IsString, MaxLength, MinLength } from 'class-validator';
import { forbidden, invalidCredentials, notFound } from '../../common/errors/app-error';
import { ApiErrors, ApiNoContent } from '../../common/http/api-docs.decorators';
import { AuthRateLimit } from '../../common/rate-limit/rate-limit.decorators';
import { MAX_PASSWORD_BYTES, MIN_PASSWORD_LENGTH } from '../auth/auth.dto';
import { Public } from '../auth/principal';
import type { WorkspaceEntity } from '../workspaces/workspace.entity';
import { CurrentWorkspace, RequireWorkspaceRole } from '../workspaces/workspace-access.guard';
import { isAppRoleAccess, ItemsAccess, WorkspaceAccess, WorkspacesService } from '../workspaces/workspaces.service';
import { toAppUserDto } from './app-user.entity';
import { AppUsersService } from './app-users.service';

export class AppRegisterDto {
  @ApiProperty({ format: 'email', maxLength: 254 })
  @IsEmail() @MaxLength(254)
  email!: string;

  @ApiProperty({ minLength: MIN_PASSWORD_LENGTH, maxLength: MAX_PASSWORD_BYTES, format: 'password' })
  @IsString() @MinLength(MIN_PASSWORD_LENGTH) @MaxLength(MAX_PASSWORD_BYTES)
  password!: string;
}

export class AppLoginDto {
  @ApiProperty({ format: 'email' })
  @IsString() @MaxLength(254)
  email!: string;

  @ApiProperty({ format: 'password' })
  @IsString() @MaxLength(1024)
  password!: string;
}

export class AppRefreshDto {
  @ApiProperty({ description: 'The refresh token of the session; single-use.' })
  @IsString() @MaxLength(512)
  refresh_token!: string;
}

const USER = { type: 'object', properties: { id: { type: 'string' }, email: { type: 'string' }, role: { type: 'string' }, status: { type: 'string' }, email_verified: { type: 'boolean' }, created_at: { type: 'string' } } };
const SESSION = { type: 'object', properties: { access_token: { type: 'string' }, refresh_token: { type: 'string' }, expires: { type: 'integer' }, user: USER } };
const DATA = (schema: object, isArray = false) => ({ schema: { type: 'object', properties: { data: isArray ? { type: 'array', items: schema } : schema } } });

/** The sessions of a workspace's app users, with the platform's rules. */
@ApiTags('app users')
@Controller('w/:ws/auth')
export class AppAuthController {
  constructor(
    private readonly users: AppUsersService,
    private readonly workspaces: WorkspacesService,
  ) {}

  @Public()
  @AuthRateLimit()
  @Post('register')
  @ApiCreatedResponse(DATA(USER))
  @ApiErrors(400, 404, 409, 429)
  async register(@Param('ws') ws: string, @Body() body: AppRegisterDto) {
    return { data: toAppUserDto(await this.users.register(await this.workspace(ws), body.email, body.password)) };
  }

  @Public()
  @AuthRateLimit()
  @Post('login')
  @HttpCode(200)
  @ApiOkResponse(DATA(SESSION))
  @ApiErrors(400, 401, 404, 429)
  async login(@Param('ws') ws: string, @Body() body: AppLoginDto) {
    return { data: await this.users.login(await this.workspace(ws), body.email, body.password) };
  }

  @Public()
  @AuthRateLimit()
  @Post('refresh')
  @HttpCode(200)
  @ApiOkResponse(DATA(SESSION))
  @ApiErrors(400, 401, 404, 429)
  async refresh(@Param('ws') ws: string, @Body() body: AppRefreshDto) {
    return { data: await this.users.refresh(await this.workspace(ws), body.refresh_token) };
  }

  @Public()
  @Post('logout')
  @HttpCode(204)
  @ApiNoContent('The session is revoked')
  @ApiErrors(400, 404)
  async logout(@Param('ws') ws: string, @Body() body: AppRefreshDto): Promise<void> {
    await this.users.logout(await this.workspace(ws), body.refresh_token);
  }

  @Get('me')
  @RequireWorkspaceRole('viewer', { appRoles: true })
  @ApiOkResponse(DATA(USER))
  @ApiErrors(401, 403, 404)
  async me(@CurrentWorkspace() access: ItemsAccess) {
    if (!isAppRoleAccess(access)) throw forbidden('Only app users have an app profile; members use /api/v1/auth/me.');
    if (!access.principal) throw invalidCredentials('Authentication required.');
    return { data: toAppUserDto(await this.users.get(access.workspace, access.principal.appUserId)) };
  }

  private async workspace(ref: string): Promise<WorkspaceEntity> {
    const workspace = await this.workspaces.findByRef(ref);
    if (!workspace) throw notFound('Workspace not found.');
    return workspace;
  }
}

/** The app users of a workspace, for its owners and admins. */
@ApiTags('app users')
@Controller('w/:ws/app-users')
export class AppUsersController {
  constructor(private readonly users: AppUsersService) {}

  @Get()
  @RequireWorkspaceRole('admin')
  @ApiOkResponse(DATA(USER, true))
  @ApiErrors(401, 403, 404)
  async list(@CurrentWorkspace() access: WorkspaceAccess) {
    return { data: (await this.users.list(access.workspace)).map(toAppUserDto) };
  }

  @Get(':id')
  @RequireWorkspaceRole('admin')
  @ApiOkResponse(DATA(USER))
  @ApiErrors(401, 403, 404)
  async get(@CurrentWorkspace() access: WorkspaceAccess, @Param('id') id: string) {
    return { data: toAppUserDto(await this.users.get(access.workspace, id)) };
  }

  @Patch(':id')
  @RequireWorkspaceRole('admin')
  @ApiBody({ schema: { type: 'object', properties: { role: { type: 'string' }, status: { type: 'string', enum: ['active', 'suspended'] } } } })
  @ApiOkResponse(DATA(USER))
  @ApiErrors(400, 401, 403, 404)
  async update(@CurrentWorkspace() access: WorkspaceAccess, @Param('id') id: string, @Body() body: unknown) {
    return { data: toAppUserDto(await this.users.update(access.workspace, id, body)) };
  }

  @Delete(':id')
  @HttpCode(204)
  @RequireWorkspaceRole('admin')
  @ApiNoContent('The app user and its sessions are deleted')
  @ApiErrors(401, 403, 404)
  async remove(@CurrentWorkspace() access: WorkspaceAccess, @Param('id') id: string): Promise<void> {
    await this.users.remove(access.workspace, id);
  }
}
