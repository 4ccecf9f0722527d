import { PassThrough } from 'node:stream';
import type { MultipartFile } from '@fastify/multipart';
import { Controller, Get, HttpCode, Logger, Post, Query, Req, StreamableFile } from '@nestjs/common';
import { RouteConfig } from '@nestjs/platform-fastify';
import { ApiBearerAuth, ApiBody, ApiConsumes, ApiOkResponse, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { AppError, invalidPayload } from '../../common/errors/app-error';
import { ApiData, ApiErrors } from '../../common/http/api-docs.decorators';
import { contentDisposition } from '../../common/http/content-disposition';
import { ACCEPTS_MULTIPART } from '../../common/http/multipart';
import { CurrentPrincipal, SuperadminOnly, UserOnly, UserPrincipal } from '../../common/principal/principal';
import type { FilesConfig } from '../../config/app-config';
import { InjectConfig } from '../../config/config.module';
import { WorkspaceDto } from '../workspaces/workspace.dto';
import { CurrentWorkspace, RequireWorkspaceRole } from '../workspaces/workspace-access.guard';
import { toWorkspaceDto, WorkspaceAccess } from '../workspaces/workspaces.service';
import { RestoreQueryDto } from './backup.dto';
import { BackupService } from './backup.service';
import { RestoreService } from './restore.service';

const ARCHIVE_BODY = {
  schema: { type: 'object', required: ['archive'], properties: { archive: { type: 'string', format: 'binary', description: 'A backup archive (.tar.gz) written by Cairn.' } } },
};
const ARCHIVE_DOWNLOAD = { description: 'The backup archive (.tar.gz), streamed as it is written; see docs/backup.md.', content: { 'application/gzip': { schema: { type: 'string', format: 'binary' } } } };

/**
 * Backups and restores over HTTP: the archive streamed as a download, and restored from a multipart
 * upload. The work is BackupService's and RestoreService's, which the command line calls the same way.
 */
@ApiTags('backup')
@ApiBearerAuth()
@Controller()
export class BackupController {
  private readonly logger = new Logger(BackupController.name);

  constructor(
    private readonly backups: BackupService,
    private readonly restores: RestoreService,
    @InjectConfig('files') private readonly config: FilesConfig,
  ) {}

  @Get('w/:ws/backup')
  @RequireWorkspaceRole('owner')
  @ApiProduces('application/gzip')
  @ApiOkResponse(ARCHIVE_DOWNLOAD)
  @ApiErrors(401, 403, 404)
  backupWorkspace(@CurrentWorkspace() access: WorkspaceAccess): StreamableFile {
    return this.download(`cairn-${access.workspace.slug}`, (output) => this.backups.backupWorkspace(access.workspace.id, output));
  }

  @Get('backup')
  @SuperadminOnly()
  @ApiProduces('application/gzip')
  @ApiOkResponse(ARCHIVE_DOWNLOAD)
  @ApiErrors(401, 403)
  backupInstance(): StreamableFile {
    return this.download('cairn-instance', (output) => this.backups.backupInstance(output));
  }

  /** A one-workspace archive restored as a new workspace, or in place of one with `replace=true`. */
  @Post('workspaces/restore')
  @HttpCode(201)
  @UserOnly()
  @RouteConfig({ [ACCEPTS_MULTIPART]: true })
  @ApiConsumes('multipart/form-data')
  @ApiBody(ARCHIVE_BODY)
  @ApiData(WorkspaceDto, { status: 201, description: 'The restored workspace; the caller is its owner.' })
  @ApiErrors(401, 403, 409, 413, 415)
  async restoreWorkspace(@CurrentPrincipal() principal: UserPrincipal, @Req() request: FastifyRequest, @Query() query: RestoreQueryDto) {
    const workspace = await this.withArchive(request, (archive) => this.restores.restoreWorkspace(archive.file, { owner: principal, slug: query.slug, name: query.name, replace: query.replace === 'true' }));
    return { data: toWorkspaceDto(workspace, 'owner') };
  }

  /** An instance archive: its accounts and every workspace, with their members. */
  @Post('restore')
  @HttpCode(201)
  @SuperadminOnly()
  @RouteConfig({ [ACCEPTS_MULTIPART]: true })
  @ApiConsumes('multipart/form-data')
  @ApiBody(ARCHIVE_BODY)
  @ApiData(WorkspaceDto, { status: 201, isArray: true, description: 'The restored workspaces.' })
  @ApiErrors(401, 403, 409, 413, 415)
  async restoreInstance(@CurrentPrincipal() principal: UserPrincipal, @Req() request: FastifyRequest) {
    const workspaces = await this.withArchive(request, (archive) => this.restores.restoreInstance(archive.file, { owner: principal }));
    return { data: workspaces.map((workspace) => toWorkspaceDto(workspace, 'owner')) };
  }

  /** A download whose body `write` produces; a failure midway cuts it short, which a restore refuses. */
  private download(name: string, write: (output: PassThrough) => Promise<void>): StreamableFile {
    const body = new PassThrough();
    write(body).catch((error: unknown) => {
      this.logger.error(`A backup failed while it was sent: ${String(error)}`);
      body.destroy(error as Error);
    });
    const stamp = new Date().toISOString().slice(0, 10);
    return new StreamableFile(body, { type: 'application/gzip', disposition: contentDisposition('attachment', `${name}-${stamp}.tar.gz`) });
  }

  /** Runs a restore on the request's one file part, `archive`, refused beyond RESTORE_MAX_SIZE (413). */
  private async withArchive<T>(request: FastifyRequest, restore: (archive: MultipartFile) => Promise<T>): Promise<T> {
    if (!request.isMultipart()) throw new AppError('UNSUPPORTED_MEDIA_TYPE', 'A restore is a multipart/form-data body with one file part named "archive".');
    const maxBytes = this.config.restoreMaxSizeBytes;
    const part = await request.file({ limits: { fileSize: maxBytes, files: 1, fields: 0, parts: 1 } });
    if (!part || part.fieldname !== 'archive') throw invalidPayload('Invalid payload: a restore holds one file part, named "archive".', 'archive');
    try {
      return await restore(part);
    } catch (error) {
      if (part.file.truncated || (error as { code?: unknown }).code === 'FST_REQ_FILE_TOO_LARGE') {
        throw new AppError('PAYLOAD_TOO_LARGE', `The archive is larger than the ${maxBytes} bytes allowed (RESTORE_MAX_SIZE); nothing was restored.`, { limit: maxBytes });
      }
      throw error;
    }
  }
}
