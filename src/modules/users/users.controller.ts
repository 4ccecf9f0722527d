import { Body, Controller, Delete, Get, Param, Patch } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { ApiData, ApiErrors, ApiNoContent } from '../../common/http/api-docs.decorators';
import { CurrentPrincipal, SuperadminOnly, UserPrincipal } from '../../common/principal/principal';
import { toUserDto, UpdateUserDto, UserDto } from './user.dto';
import { UsersService } from './users.service';
import { conflict } from '../../common/errors/app-error';

/** The superadmin would leave the instance with nobody able to manage it. */
const SELF_LOCKOUT = 'The superadmin cannot disable or delete their own account.';

/** The instance's accounts, managed by its superadmin. */
@ApiTags('users')
@ApiBearerAuth()
@SuperadminOnly()
@Controller('users')
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @Get()
  @ApiData(UserDto, { isArray: true })
  @ApiErrors(401, 403)
  async list() {
    return { data: (await this.users.list()).map(toUserDto) };
  }

  @Get(':id')
  @ApiData(UserDto)
  @ApiErrors(401, 403, 404)
  async get(@Param('id') id: string) {
    return { data: toUserDto(await this.users.getById(id)) };
  }

  @Patch(':id')
  @ApiData(UserDto)
  @ApiErrors(401, 403, 404, 409)
  async update(@CurrentPrincipal() actor: UserPrincipal, @Param('id') id: string, @Body() body: UpdateUserDto) {
    if (id === actor.userId && body.status === 'disabled') throw conflict(SELF_LOCKOUT);
    return { data: toUserDto(await this.users.update(id, body)) };
  }

  @Delete(':id')
  @ApiNoContent()
  @ApiErrors(401, 403, 404, 409)
  async remove(@CurrentPrincipal() actor: UserPrincipal, @Param('id') id: string): Promise<void> {
    if (id === actor.userId) throw conflict(SELF_LOCKOUT);
    await this.users.remove(id);
  }
}
