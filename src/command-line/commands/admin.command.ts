import { Option } from 'commander';
import { AppError } from '../../common/errors/app-error';
import type { RegisterDto } from '../../modules/auth/auth.dto';
import type { CliCommand } from '../cli-command';
import { CliError, EXIT, usageError } from '../cli-errors';
import { withConnection } from '../connection';

interface CreateOptions {
  email?: string;
  password?: string;
  name?: string;
  ifNotExists?: boolean;
}

/** What `admin create` answers with --json. */
interface AdminCreated {
  id: string | null;
  email: string;
  created: boolean;
}

/**
 * `cairn admin create`: a superadmin account, made on the database directly, for automated deployments.
 * Run twice, it says the account exists (exit 3), or with --if-not-exists says so and succeeds.
 */
export const command: CliCommand = {
  order: 30,
  register(program, host) {
    const admin = program.command('admin').description('Manage the instance\'s superadmin accounts (direct mode only).');
    admin
      .command('create')
      .description('Create a superadmin account on the configured database. It is a superadmin whether or not the instance has accounts already.')
      .addOption(new Option('--email <email>', "the account's email").env('CAIRN_ADMIN_EMAIL'))
      .addOption(new Option('--password <password>', 'its password, at least 8 characters (prefer the variable: a flag shows in the process list)').env('CAIRN_ADMIN_PASSWORD'))
      .option('--name <name>', 'its display name')
      .option('--if-not-exists', 'succeed (exit 0) without changing anything when an account has this email')
      .addHelpText(
        'after',
        '\nExit codes: 0 created (or, with --if-not-exists, already there), 1 failed, 2 usage, 3 an account has this email.\n\nExamples:\n  CAIRN_ADMIN_EMAIL=ada@example.com CAIRN_ADMIN_PASSWORD=… cairn admin create --if-not-exists\n  cairn admin create --email ada@example.com --password "$PASSWORD" --json',
      )
      .action(async (options: CreateOptions, cmd) => {
        if (!options.email) throw usageError('admin create needs an email: --email or CAIRN_ADMIN_EMAIL.');
        if (!options.password) throw usageError('admin create needs a password: --password or CAIRN_ADMIN_PASSWORD.');
        const input = await checkedInput(options.email, options.password, options.name);
        await withConnection(
          cmd,
          host,
          async (connection, output) => {
            if (connection.mode !== 'direct') return;
            const [{ PasswordHasher }, { normalizeEmail, UsersService }] = await Promise.all([import('../../modules/credentials/password-hasher'), import('../../modules/users/users.service')]);
            const users = connection.direct.get(UsersService);
            const email = normalizeEmail(input.email);
            const exists = () => {
              if (!options.ifNotExists) throw new CliError(`An account with the email ${email} exists already; nothing was changed (--if-not-exists makes this a success).`, EXIT.exists);
              output.result<AdminCreated>({ id: null, email, created: false }, () => `An account with the email ${email} exists already; nothing was changed.`);
            };
            if (await users.findByEmail(email)) return exists();
            const passwordHash = await connection.direct.get(PasswordHasher).hash(input.password);
            try {
              const user = await users.create({ email, passwordHash, name: input.name ?? null }, { byOperator: true, ordinaryRefusal: null });
              output.result<AdminCreated>({ id: user.id, email: user.email, created: true }, () => `Created the superadmin ${user.email} (${user.id}).`);
            } catch (error) {
              // Made by someone else between the look and the write.
              if (error instanceof AppError && error.code === 'CONFLICT') return exists();
              throw error;
            }
          },
          { directOnly: 'admin create' },
        );
      });
  },
};

/** The flags checked as the API checks a sign-up body; a bad one is a usage error (exit 2). */
async function checkedInput(email: string, password: string, name: string | undefined): Promise<RegisterDto> {
  const [{ validatedPayload }, { RegisterDto }] = await Promise.all([import('../../common/errors/payload-validation.pipe'), import('../../modules/auth/auth.dto')]);
  try {
    return validatedPayload(RegisterDto, { email, password, ...(name === undefined ? {} : { name }) });
  } catch (error) {
    if (error instanceof AppError) throw usageError(error.message.replace(/^Invalid payload: /, ''));
    throw error;
  }
}
