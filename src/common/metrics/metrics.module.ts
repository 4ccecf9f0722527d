import { Global, Module } from '@nestjs/common';
import { Metrics } from './metrics';

/** The application's one metrics registry, for every code path that records into it. */
@Global()
@Module({ providers: [Metrics], exports: [Metrics] })
export class MetricsModule {}
