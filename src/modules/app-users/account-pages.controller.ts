import { Controller, Get, Param, Res } from '@nestjs/common';
import { ApiParam, ApiProduces, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { notFound } from '../../common/errors/app-error';
import { ApiErrors } from '../../common/http/api-docs.decorators';
import { Public } from '../../common/principal/principal';
import { WorkspacesService } from '../workspaces/workspaces.service';
import { ACCOUNT_PAGE_CSP, accountPage, AccountLinkType } from './account-pages';

const PAGE_RESPONSE = { status: 200, description: 'A self-contained HTML page that posts the token of its address to the API', content: { 'text/html': { schema: { type: 'string' } } } };

/**
 * Cairn's own pages behind the links of app users' mails, for workspaces that set no app_url of their own:
 * a link opened in a browser is a GET, and the routes that take the tokens are POSTs.
 */
@ApiTags('app-auth')
@ApiParam({ name: 'ws', description: 'Workspace slug or id' })
@ApiQuery({ name: 'token', description: 'The mailed token; read by the page\'s script, not by the server.' })
@Controller('w/:ws/auth')
export class AccountPagesController {
  constructor(private readonly workspaces: WorkspacesService) {}

  @Public()
  @Get('reset-password')
  @ApiProduces('text/html')
  @ApiResponse(PAGE_RESPONSE)
  @ApiErrors(404)
  resetPassword(@Param('ws') ref: string, @Res({ passthrough: true }) reply: FastifyReply): Promise<string> {
    return this.page('reset', ref, reply);
  }

  @Public()
  @Get('verify-email')
  @ApiProduces('text/html')
  @ApiResponse(PAGE_RESPONSE)
  @ApiErrors(404)
  verifyEmail(@Param('ws') ref: string, @Res({ passthrough: true }) reply: FastifyReply): Promise<string> {
    return this.page('verify', ref, reply);
  }

  private async page(type: AccountLinkType, ref: string, reply: FastifyReply): Promise<string> {
    const workspace = await this.workspaces.findByRef(ref);
    if (!workspace) throw notFound('Workspace not found.');
    void reply
      .header('content-type', 'text/html; charset=utf-8')
      .header('content-security-policy', ACCOUNT_PAGE_CSP)
      .header('cache-control', 'no-store')
      .header('referrer-policy', 'no-referrer')
      .header('x-content-type-options', 'nosniff')
      .header('x-frame-options', 'DENY');
    return accountPage(type, workspace.name);
  }
}
