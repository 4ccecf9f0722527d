import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { InjectConfig } from '../../config/config.module';
import type { AuthConfig, ServerConfig } from '../../config/app-config';
import { AppError } from '../../common/errors/app-error';
import { normalizeEmail, UsersService } from '../users/users.service';
import { PasswordHasher } from '../credentials/password-hasher';
import { newSecret } from '../credentials/secret-hash';

/**
 * Makes sure an instance with no account can get its superadmin, and only from its operator: at start,
 * either the account CAIRN_ADMIN_EMAIL and CAIRN_ADMIN_PASSWORD describe is created, or a one-time setup
 * token is stored (hashed, so every instance on the database accepts it) and printed in the log as the
 * URL of the setup page. Whoever reaches the instance first cannot make themselves its superadmin.
 */
@Injectable()
export class InstanceSetup implements OnApplicationBootstrap {
  private readonly logger = new Logger('Setup');

  constructor(
    private readonly users: UsersService,
    private readonly passwords: PasswordHasher,
    @InjectConfig('auth') private readonly config: AuthConfig,
    @InjectConfig('server') private readonly serverConfig: ServerConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const { initialAdmin } = this.config;
    if ((await this.users.count()) > 0) {
      await this.users.clearSetupTokens();
      if (initialAdmin && !(await this.users.findByEmail(initialAdmin.email))) {
        this.logger.log(`CAIRN_ADMIN_EMAIL ${normalizeEmail(initialAdmin.email)} was not created: the instance has accounts already.`);
      }
      return;
    }
    if (initialAdmin) await this.createInitialAdmin(initialAdmin);
    else await this.offerSetupToken();
  }

  private async createInitialAdmin(admin: { email: string; password: string }): Promise<void> {
    try {
      await this.users.create({ email: admin.email, passwordHash: await this.passwords.hash(admin.password) }, { fromEnvironment: true, ordinaryRefusal: 'the instance has an account already' });
      this.logger.log(`The superadmin account ${normalizeEmail(admin.email)} was created from CAIRN_ADMIN_EMAIL and CAIRN_ADMIN_PASSWORD.`);
    } catch (error) {
      // Another instance starting on the same database made the first account meanwhile.
      if (!(error instanceof AppError)) throw error;
    }
  }

  /** Logged as a warning: the instance cannot be used until its operator acts on it. */
  private async offerSetupToken(): Promise<void> {
    const fixed = this.config.setupToken;
    const token = fixed ?? newSecret();
    await this.users.addSetupToken(token);
    const setupUrl = `${this.serverConfig.publicUrl}/admin/setup?token=`;
    this.logger.warn(
      fixed
        ? `This instance has no account yet. Its first (superadmin) account registers with the setup token CAIRN_SETUP_TOKEN holds: ${setupUrl}<CAIRN_SETUP_TOKEN>`
        : `This instance has no account yet. Create its superadmin at ${setupUrl}${token} (or register with "setup_token": "${token}"). ` +
            'The token works once, on any instance of this database, until the first account exists.',
    );
  }
}
