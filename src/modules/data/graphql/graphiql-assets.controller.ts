import { Controller, Get, Param, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { notFound } from '../../../common/errors/app-error';
import { SkipRateLimit } from '../../../common/rate-limit/rate-limit.decorators';
import { Public } from '../../../common/principal/principal';
import { GRAPHIQL_ASSETS_VERSION, graphiqlAsset } from './graphiql.page';

/** GraphiQL's assets, under their package version: they never change at an address, so browsers keep them. */
@ApiExcludeController()
@Public()
@SkipRateLimit()
@Controller('graphiql')
export class GraphiQLAssetsController {
  @Get(':version/:file')
  async asset(@Param('version') version: string, @Param('file') file: string, @Res() reply: FastifyReply): Promise<void> {
    const asset = version === GRAPHIQL_ASSETS_VERSION ? graphiqlAsset(file) : null;
    if (!asset) throw notFound('No such GraphiQL asset.');
    await reply.header('content-type', asset.type).header('cache-control', 'public, max-age=31536000, immutable').send(asset.content);
  }
}
