import { Controller, Get, Headers, Param, Query, Res } from '@nestjs/common';
import { ApiOkResponse, ApiProduces, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { AppError } from '../../common/errors/app-error';
import { ApiErrors } from '../../common/http/api-docs.decorators';
import { CurrentWorkspace, RequireWorkspaceRole } from '../workspaces/workspace-access.guard';
import type { ItemsAccess } from '../workspaces/workspaces.service';
import { contentDisposition } from './file-names';
import { isInlineSafe } from './file-types';
import { FilesService } from './files.service';

/**
 * The bytes of files. A browser may open these URLs directly (`?access_token=`), so every answer is
 * defensive: `nosniff`, a sandboxing CSP, and `attachment` for anything that could run in the page.
 */
@ApiTags('files')
@Controller('w/:ws/assets')
export class AssetsController {
  constructor(private readonly files: FilesService) {}

  @Get(':id')
  @RequireWorkspaceRole('viewer', { appRoles: true })
  @ApiProduces('*/*')
  @ApiQuery({ name: 'download', required: false, description: 'Present: always served as an attachment.' })
  @ApiOkResponse({ description: 'The file, or with `Range` the part asked for (206)' })
  @ApiErrors(401, 403, 404, 416)
  async download(
    @CurrentWorkspace() access: ItemsAccess,
    @Param('id') id: string,
    @Query('download') download: string | undefined,
    @Headers('range') range: string | undefined,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const { file, range: asked, stream } = await this.files.asset(access, id, range);
    const size = Number(file.filesize);
    const inline = download === undefined && isInlineSafe(file.type, file.filename_download);
    void reply
      .header('accept-ranges', 'bytes')
      .header('x-content-type-options', 'nosniff')
      .header('content-security-policy', "sandbox; default-src 'none'; img-src 'self'; media-src 'self'; style-src 'unsafe-inline'")
      .header('cross-origin-resource-policy', 'same-site')
      .header('cache-control', 'private, no-cache')
      .header('etag', `"${file.checksum}"`)
      .header('last-modified', new Date(file.uploaded_on).toUTCString())
      .header('content-disposition', contentDisposition(inline ? 'inline' : 'attachment', file.filename_download));
    if (asked.kind === 'unsatisfiable') {
      // The envelope's filter sends the error with the headers set so far; Content-Range tells the size.
      void reply.header('content-range', `bytes */${size}`);
      throw new AppError('RANGE_NOT_SATISFIABLE', `The range is outside the file's ${size} bytes.`, { size });
    }
    void reply.header('content-type', file.type);
    if (asked.kind === 'range') {
      const { start, end } = asked.range;
      void reply.status(206).header('content-range', `bytes ${start}-${end}/${size}`).header('content-length', String(end - start + 1));
    } else {
      void reply.status(200).header('content-length', String(size));
    }
    void reply.send(stream);
  }
}
