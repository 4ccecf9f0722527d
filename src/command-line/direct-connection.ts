import type { INestApplicationContext, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import pino from 'pino';
import { AppError } from '../common/errors/app-error';
import { SystemClock } from '../common/clock/clock';
import { PinoNestLogger } from '../common/logging/logger';
import type { UserPrincipal } from '../common/principal/principal';
import type { AppConfig } from '../config/app-config';
import { UserEntity } from '../modules/users/user.entity';
import { UsersService } from '../modules/users/users.service';
import { WorkspaceAccess, WorkspacesService } from '../modules/workspaces/workspaces.service';
import type { AppModuleFactory } from './cli-command';
import { CliError } from './cli-errors';
import { describeDatabase } from './database-name';

/**
 * Cairn's services on the configured database, without HTTP: the application booted as a Nest
 * application context, so every write goes through the same doors (validation, policies, activity,
 * revisions, webhooks' outbox, flow triggers) as the API's. Commands act as a superadmin account: the
 * one `--as` names, or else the oldest active one.
 */
export class DirectConnection {
  private actorFound: UserPrincipal | null = null;

  private constructor(
    private readonly app: INestApplicationContext,
    private readonly actorEmail: string | undefined,
  ) {}

  static async open(appModule: AppModuleFactory, config: AppConfig, options: { verbose: boolean; actorEmail?: string }): Promise<DirectConnection> {
    // The log goes to stderr, and only its errors unless --verbose: stdout holds the command's answer.
    const logger = pino({ level: options.verbose ? config.server.logLevel : 'error', base: { service: 'cairn-cli' } }, pino.destination({ dest: 2, sync: true }));
    let app: INestApplicationContext;
    try {
      app = await NestFactory.createApplicationContext(await appModule(config, new SystemClock()), { logger: new PinoNestLogger(logger), abortOnError: false });
    } catch (error) {
      throw new CliError(`Could not open the database ${describeDatabase(config.database)}: ${error instanceof Error ? error.message : String(error)}`);
    }
    return new DirectConnection(app, options.actorEmail);
  }

  /** A provider of the application, exported by its module or not. */
  get<T>(type: Type<T>): T {
    return this.app.get(type, { strict: false });
  }

  /** The superadmin account the commands act as. */
  async actor(): Promise<UserPrincipal> {
    if (this.actorFound) return this.actorFound;
    const users = this.get(UsersService);
    let account: UserEntity | null;
    if (this.actorEmail) {
      account = await users.findByEmail(this.actorEmail);
      if (!account) throw new CliError(`No account has the email ${this.actorEmail} (--as).`);
      if (!account.isSuperadmin || account.status !== 'active') throw new CliError(`The account ${account.email} (--as) is not an active superadmin; direct mode acts as one.`);
    } else {
      account = (await users.list()).find((user) => user.isSuperadmin && user.status === 'active') ?? null;
      if (!account) throw new CliError('This instance has no active superadmin account to act as: create one with `cairn admin create`.');
    }
    this.actorFound = { kind: 'user', userId: account.id, email: account.email, isSuperadmin: true };
    return this.actorFound;
  }

  /** The actor's access to a workspace, by slug or id (the API's "Workspace not found." otherwise). */
  async workspace(ref: string): Promise<WorkspaceAccess> {
    const actor = await this.actor();
    try {
      return await this.get(WorkspacesService).resolveAccess(actor, ref);
    } catch (error) {
      if (error instanceof AppError && error.code === 'NOT_FOUND') throw new CliError(`No workspace has the slug or id "${ref}".`);
      throw error;
    }
  }

  close(): Promise<void> {
    return this.app.close();
  }
}
