import { DynamicModule, Global, Inject, Module } from '@nestjs/common';
import type { AppConfig, ConfigSectionName } from './app-config';

/** The injection token of one section of the configuration. */
export function configToken(section: ConfigSectionName): string {
  return `config:${section}`;
}

/** Provides each section of the configuration validated at start, under its own token, to every module. */
@Global()
@Module({})
export class ConfigModule {
  static forRoot(config: AppConfig): DynamicModule {
    const names = Object.keys(config) as ConfigSectionName[];
    const providers = names.map((name) => ({ provide: configToken(name), useValue: config[name] }));
    return { module: ConfigModule, providers, exports: providers.map((provider) => provider.provide) };
  }
}

/** Injects one section of the configuration, such as `@InjectConfig('handlers') config: HandlersConfig`. */
export const InjectConfig = (section: ConfigSectionName): ParameterDecorator => Inject(configToken(section));
