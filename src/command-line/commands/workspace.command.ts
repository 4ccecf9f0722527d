import type { UserPrincipal } from '../../common/principal/principal';
import type { UsersService } from '../../modules/users/users.service';
import type { WorkspaceDto } from '../../modules/workspaces/workspace.dto';
import type { CliCommand } from '../cli-command';
import { CliError, usageError } from '../cli-errors';
import { confirm } from '../confirm';
import { Connection, withConnection } from '../connection';
import { table } from '../output';

/** `cairn workspace list|create|delete`, in either mode, answering workspaces as `GET /workspaces` does. */
export const command: CliCommand = {
  order: 40,
  register(program, host) {
    const workspace = program.command('workspace').description('List, create and delete workspaces.');

    workspace
      .command('list')
      .description('List the workspaces: all of them in direct mode (as a superadmin), those the token may see in API mode.')
      .addHelpText('after', '\nExamples:\n  cairn workspace list\n  cairn workspace list --url https://cairn.example.com --token "$TOKEN" --json')
      .action(async (_options, cmd) =>
        withConnection(cmd, host, async (connection, output) => {
          const workspaces = await listWorkspaces(connection);
          output.result(workspaces, (list) =>
            list.length === 0 ? 'No workspace.' : table(['SLUG', 'NAME', 'ROLE', 'ID'], list.map((w) => [w.slug, w.name, w.role, w.id])),
          );
        }),
      );

    workspace
      .command('create')
      .description('Create a workspace. Its owner is the acting account (direct mode: --owner, or the superadmin acting; API mode: the token\'s account).')
      .requiredOption('--name <name>', "the workspace's name")
      .option('--slug <slug>', 'its slug (made from the name when left out)')
      .option('--owner <email>', 'direct mode: the account that becomes its first owner')
      .addHelpText('after', '\nExamples:\n  cairn workspace create --name "Acme CRM" --slug acme\n  cairn workspace create --name Blog --owner ada@example.com --json')
      .action(async (options: { name: string; slug?: string; owner?: string }, cmd) =>
        withConnection(cmd, host, async (connection, output) => {
          const body = { name: options.name, ...(options.slug === undefined ? {} : { slug: options.slug }) };
          let created: WorkspaceDto;
          if (connection.mode === 'api') {
            if (options.owner !== undefined) throw usageError("--owner is for direct mode; in API mode the token's account owns the workspace.");
            created = await connection.api.json<WorkspaceDto>('POST', '/workspaces', body);
          } else {
            // The services are loaded with the application, in direct mode only.
            const [{ validatedPayload }, { CreateWorkspaceDto }, { UsersService }, { toWorkspaceDto, WorkspacesService }] = await Promise.all([
              import('../../common/errors/payload-validation.pipe'),
              import('../../modules/workspaces/workspace.dto'),
              import('../../modules/users/users.service'),
              import('../../modules/workspaces/workspaces.service'),
            ]);
            const input = validatedPayload(CreateWorkspaceDto, body);
            const owner = options.owner === undefined ? await connection.direct.actor() : await ownerNamed(connection.direct.get(UsersService), options.owner);
            created = toWorkspaceDto(await connection.direct.get(WorkspacesService).create(owner, input), 'owner');
          }
          output.result(created, (w) => `Created the workspace ${w.slug} (${w.id}).`);
        }),
      );

    workspace
      .command('delete')
      .description('Delete a workspace with everything in it: its collections and their tables, members, keys, app users, files\' rows and logs.')
      .argument('<workspace>', "the workspace's slug or id")
      .option('-y, --yes', 'delete without asking (needed where there is no terminal, as in CI)')
      .addHelpText('after', '\nExamples:\n  cairn workspace delete acme\n  cairn workspace delete acme --yes --json')
      .action(async (ref: string, options: { yes?: boolean }, cmd) =>
        withConnection(cmd, host, async (connection, output) => {
          const target = await findWorkspace(connection, ref);
          await confirm(`Delete the workspace ${target.slug} (${target.name}) and everything in it?`, { yes: options.yes === true, refusal: `workspace delete removes ${target.slug} and everything in it` });
          if (connection.mode === 'api') await connection.api.json('DELETE', `/workspaces/${encodeURIComponent(ref)}`);
          else {
            const { WorkspacesService } = await import('../../modules/workspaces/workspaces.service');
            await connection.direct.get(WorkspacesService).remove((await connection.direct.workspace(ref)).workspace);
          }
          output.result({ deleted: target.id, slug: target.slug }, () => `Deleted the workspace ${target.slug}.`);
        }),
      );
  },
};

async function listWorkspaces(connection: Connection): Promise<WorkspaceDto[]> {
  if (connection.mode === 'api') return connection.api.json<WorkspaceDto[]>('GET', '/workspaces');
  const { WorkspacesService } = await import('../../modules/workspaces/workspaces.service');
  return connection.direct.get(WorkspacesService).listFor(await connection.direct.actor());
}

async function findWorkspace(connection: Connection, ref: string): Promise<WorkspaceDto> {
  if (connection.mode === 'api') return connection.api.json<WorkspaceDto>('GET', `/workspaces/${encodeURIComponent(ref)}`);
  const { toWorkspaceDto } = await import('../../modules/workspaces/workspaces.service');
  const access = await connection.direct.workspace(ref);
  return toWorkspaceDto(access.workspace, access.role);
}

async function ownerNamed(users: UsersService, email: string): Promise<UserPrincipal> {
  const account = await users.findByEmail(email);
  if (!account) throw new CliError(`No account has the email ${email} (--owner).`);
  if (account.status !== 'active') throw new CliError(`The account ${account.email} (--owner) is disabled.`);
  return { kind: 'user', userId: account.id, email: account.email, isSuperadmin: account.isSuperadmin };
}
