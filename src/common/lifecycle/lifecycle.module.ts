import { Global, Module } from '@nestjs/common';
import { GracefulShutdown } from './graceful-shutdown';

/** The process's orderly stop, for main.ts and the parts that let their work in progress finish. */
@Global()
@Module({
  providers: [GracefulShutdown],
  exports: [GracefulShutdown],
})
export class LifecycleModule {}
