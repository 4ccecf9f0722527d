import { Module } from '@nestjs/common';
import { MetricsPortServer } from './metrics-port.server';

/** `GET /metrics` on a port of its own (METRICS_PORT); on PORT, createApp serves it (metrics.routes.ts). */
@Module({ providers: [MetricsPortServer] })
export class MetricsEndpointModule {}
