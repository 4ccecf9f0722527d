import type { DynamicModule } from '@nestjs/common';
import type { Command } from 'commander';
import type { Clock } from '../common/clock/clock';
import type { AppConfig } from '../config/app-config';

/** Builds the application's root module for a configuration, as main.ts builds it (loaded when first needed). */
export type AppModuleFactory = (config: AppConfig, clock: Clock) => Promise<DynamicModule>;

/**
 * What the entry file hands the commands: the parts of Cairn that only a top-level file may import (the
 * root module, the server's start), so that this folder depends on no top-level file.
 */
export interface CliHost {
  appModule: AppModuleFactory;
  /** Starts the server exactly as `node dist/main.js` does; it runs until a signal stops it. */
  startServer(): Promise<unknown>;
}

/**
 * One command of `cairn`, with its subcommands: exported as `command` from a file `<name>.command.ts` in
 * commands/, found there at start, so adding a command is adding its file. `order` places it in the
 * help's list (lower first).
 */
export interface CliCommand {
  order: number;
  register(program: Command, host: CliHost): void;
}
