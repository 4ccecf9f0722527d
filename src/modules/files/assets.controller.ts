import { Controller, Get, Headers, Param, Query, Res } from '@nestjs/common';
import { ApiOkResponse, ApiProduces, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { AppError } from '../../common/errors/app-error';
import { ApiErrors } from '../../common/http/api-docs.decorators';
import { CurrentWorkspace, RequireWorkspaceRole } from '../workspaces/workspace-access.guard';
import type { ItemsAccess } from '../workspaces/workspaces.service';
import { contentDisposition } from '../../common/http/content-disposition';
import { isInlineSafe } from './file-types';
import { FilesService } from './files.service';
import { AssetTransforms, AssetVariant } from './transforms/asset-transforms.service';
import { FITS, formatType, OUTPUT_FORMATS, transformSignature } from './transforms/image-transform';

/**
 * The bytes of files. A browser may open these URLs directly (`?access_token=`), so every answer is
 * defensive: `nosniff`, a sandboxing CSP, and `attachment` for anything that could run in the page.
 * Images may be asked transformed (`?width=&height=&fit=&format=&quality=&preset=`).
 */
@ApiTags('files')
@Controller('w/:ws/assets')
export class AssetsController {
  constructor(
    private readonly files: FilesService,
    private readonly transforms: AssetTransforms,
  ) {}

  @Get(':id')
  @RequireWorkspaceRole('viewer', { appRoles: true })
  @ApiProduces('*/*')
  @ApiQuery({ name: 'download', required: false, description: 'Present: always served as an attachment.' })
  @ApiQuery({ name: 'width', required: false, schema: { type: 'integer', minimum: 1 }, description: 'An image transform: the width in pixels (at most ASSETS_TRANSFORM_MAX_DIMENSION).' })
  @ApiQuery({ name: 'height', required: false, schema: { type: 'integer', minimum: 1 }, description: 'An image transform: the height in pixels (at most ASSETS_TRANSFORM_MAX_DIMENSION).' })
  @ApiQuery({ name: 'fit', required: false, schema: { type: 'string', enum: [...FITS] }, description: 'How the image fills width × height (default cover).' })
  @ApiQuery({ name: 'format', required: false, schema: { type: 'string', enum: [...OUTPUT_FORMATS] }, description: "The variant's format (default the image's own, png for GIF and TIFF)." })
  @ApiQuery({ name: 'quality', required: false, schema: { type: 'integer', minimum: 1, maximum: 100 }, description: "The encoder's quality (default the encoder's)." })
  @ApiQuery({ name: 'preset', required: false, schema: { type: 'string' }, description: "A workspace's asset preset; the request's own settings apply on top of it." })
  @ApiOkResponse({ description: 'The file, or with `Range` the part asked for (206); with a transform, the transformed image (no ranges)' })
  @ApiErrors(400, 401, 403, 404, 416)
  async download(
    @CurrentWorkspace() access: ItemsAccess,
    @Param('id') id: string,
    @Query() query: Record<string, unknown>,
    @Headers('range') range: string | undefined,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const attachment = query.download !== undefined;
    if (AssetTransforms.asked(query)) return this.sendVariant(reply, await this.transforms.variant(access, id, query), attachment);
    const { file, range: asked, stream } = await this.files.asset(access, id, range);
    const size = Number(file.filesize);
    const inline = !attachment && isInlineSafe(file.type, file.filename_download);
    defensiveHeaders(reply, file, `"${file.checksum}"`, contentDisposition(inline ? 'inline' : 'attachment', file.filename_download)).header('accept-ranges', 'bytes');
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

  /**
   * A transformed image: the plain asset's headers, an ETag of the file's checksum and the transform,
   * its own type and a name with its format's extension. Ranges are not served for variants (a
   * thumbnail is small; `Accept-Ranges: none` says so).
   */
  private sendVariant(reply: FastifyReply, variant: AssetVariant, attachment: boolean): void {
    const { file, transform } = variant;
    const filename = `${file.filename_download.replace(/\.[A-Za-z0-9]{1,10}$/, '')}.${transform.format}`;
    defensiveHeaders(reply, file, `"${file.checksum}-${transformSignature(transform)}"`, contentDisposition(attachment ? 'attachment' : 'inline', filename))
      .header('accept-ranges', 'none')
      .header('content-type', formatType(transform.format))
      .header('content-length', String(variant.size))
      .status(200);
    void reply.send(variant.body);
  }
}

/** The headers every answer of an asset carries: a browser may open it directly, so it cannot run anything. */
function defensiveHeaders(reply: FastifyReply, file: { uploaded_on: string }, etag: string, disposition: string): FastifyReply {
  return reply
    .header('x-content-type-options', 'nosniff')
    .header('content-security-policy', "sandbox; default-src 'none'; img-src 'self'; media-src 'self'; style-src 'unsafe-inline'")
    .header('cross-origin-resource-policy', 'same-site')
    .header('cache-control', 'private, no-cache')
    .header('etag', etag)
    .header('last-modified', new Date(file.uploaded_on).toUTCString())
    .header('content-disposition', disposition);
}
