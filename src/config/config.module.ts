import { DynamicModule, Global, Inject, Module } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from './app-config';

/** Provides the configuration validated at start to every module. */
@Global()
@Module({})
export class ConfigModule {
  static forRoot(config: AppConfig): DynamicModule {
    return { module: ConfigModule, providers: [{ provide: APP_CONFIG, useValue: config }], exports: [APP_CONFIG] };
  }
}

/** Injects the application's AppConfig. */
export const InjectConfig = (): ParameterDecorator => Inject(APP_CONFIG);
