import { Controller, Get, Res } from '@nestjs/common';
import { ApiOkResponse, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { SkipRateLimit } from '../../common/rate-limit/rate-limit.decorators';
import { Public } from '../../common/principal/principal';
import { HealthService } from './health.service';

const HEALTH_SCHEMA = {
  type: 'object',
  properties: {
    status: { type: 'string', enum: ['ok', 'error'] },
    info: {
      type: 'object',
      properties: Object.fromEntries(
        ['database', 'redis', 'memory_heap', 'memory_rss', 'storage', 'system', 'application'].map((part) => [
          part,
          { type: 'object', properties: { status: { type: 'string', enum: ['up', 'down', 'disabled'] } }, additionalProperties: true },
        ]),
      ),
    },
  },
};

@ApiTags('health')
@SkipRateLimit()
@Controller('health')
export class HealthController {
  constructor(private readonly health: HealthService) {}

  /** Answered in its own shape rather than the data envelope, as load balancers and monitors expect. */
  @Public()
  @Get()
  @ApiOkResponse({ description: 'Every required dependency is up.', schema: HEALTH_SCHEMA })
  @ApiServiceUnavailableResponse({ description: 'The database or Redis is unreachable.', schema: HEALTH_SCHEMA })
  async check(@Res() reply: FastifyReply): Promise<void> {
    const report = await this.health.report();
    await reply.status(report.status === 'ok' ? 200 : 503).header('cache-control', 'no-store').send(report);
  }
}
