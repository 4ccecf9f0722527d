import { createReadStream, createWriteStream } from 'node:fs';
import { rm, stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { PassThrough } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { WorkspaceDto } from '../../modules/workspaces/workspace.dto';
import type { CliCommand } from '../cli-command';
import { CliError, usageError } from '../cli-errors';
import { Connection, withConnection } from '../connection';

interface BackupOptions {
  workspace?: string;
  instance?: boolean;
  out: string;
}

interface RestoreOptions {
  file: string;
  instance?: boolean;
  slug?: string;
  name?: string;
  replace?: boolean;
}

/**
 * `cairn backup` and `cairn restore`: one workspace, or the whole instance, as one archive of schema, data,
 * files and automations (docs/backup.md), restorable onto any of the three databases. Through
 * `GET /w/{ws}/backup`, `GET /backup`, `POST /workspaces/restore` and `POST /restore` in API mode, or
 * the same services on the configured database in direct mode.
 */
export const command: CliCommand = {
  order: 70,
  register(program, host) {
    program
      .command('backup')
      .description("Write a workspace's archive (--workspace), or the whole instance's (--instance), to a .tar.gz file.")
      .option('-w, --workspace <workspace>', "the workspace's slug or id")
      .option('--instance', 'every workspace, with the accounts and memberships (a superadmin)')
      .requiredOption('-o, --out <file>', 'the archive to write, e.g. blog.tar.gz')
      .addHelpText('after', '\nExamples:\n  cairn backup -w blog --out blog.tar.gz\n  cairn backup --instance --out cairn.tar.gz --url https://cairn.example.com --token "$TOKEN"')
      .action(async (options: BackupOptions, cmd) => {
        if ((options.workspace === undefined) === (options.instance !== true)) throw usageError('Give either --workspace <workspace> or --instance.');
        await withConnection(cmd, host, async (connection, output) => {
          const archive = await backupStream(connection, options);
          await pipeline(archive, createWriteStream(options.out)).catch(async (error: Error) => {
            // A cut archive is no backup: a restore would refuse it.
            await rm(options.out, { force: true });
            throw new CliError(`The backup to ${options.out} failed, and the file was removed: ${error.message}`);
          });
          const { size } = await stat(options.out);
          const scope = options.instance ? 'instance' : options.workspace!;
          output.result({ file: options.out, scope, bytes: size }, () => `Backed up ${options.instance ? 'the instance' : `the workspace ${scope}`} to ${options.out} (${size} bytes).`);
        });
      });

    program
      .command('restore')
      .description('Restore an archive `cairn backup` wrote: a workspace (as a new one, or --replace the one with its slug), or with --instance every workspace of an instance archive.')
      .requiredOption('-f, --file <file>', 'the .tar.gz archive')
      .option('--instance', 'an instance archive: its accounts and every workspace (a superadmin)')
      .option('--slug <slug>', "the restored workspace's slug (default: the archive's)")
      .option('--name <name>', "its name (default: the archive's)")
      .option('--replace', 'replace the workspace that has the slug (its owner), once the restore succeeded')
      .addHelpText('after', '\nExamples:\n  cairn restore --file blog.tar.gz --slug blog-copy\n  cairn restore --file blog.tar.gz --replace --json\n  cairn restore --instance --file cairn.tar.gz')
      .action(async (options: RestoreOptions, cmd) => {
        if (options.instance && (options.slug !== undefined || options.name !== undefined || options.replace)) throw usageError('--slug, --name and --replace are for a workspace archive, not --instance.');
        const file = await stat(options.file).catch((error: Error) => {
          throw new CliError(`Could not read ${options.file}: ${error.message}`);
        });
        if (!file.isFile()) throw new CliError(`${options.file} is not a file.`);
        await withConnection(cmd, host, async (connection, output) => {
          const workspaces = await restore(connection, options);
          output.result(options.instance ? workspaces : workspaces[0], () => workspaces.map((w) => `Restored the workspace ${w.slug} (${w.id}).`).join('\n'));
        });
      });
  },
};

async function backupStream(connection: Connection, options: BackupOptions): Promise<Readable> {
  if (connection.mode === 'api') {
    return connection.api.download(options.instance ? '/backup' : `/w/${encodeURIComponent(options.workspace!)}/backup`, {});
  }
  const { BackupService } = await import('../../modules/backup/backup.service');
  const backups = connection.direct.get(BackupService);
  const archive = new PassThrough();
  // The service writes while the file is written; a failure ends the stream with it.
  const written = options.instance ? backups.backupInstance(archive) : connection.direct.workspace(options.workspace!).then((access) => backups.backupWorkspace(access.workspace.id, archive));
  written.catch((error: Error) => archive.destroy(error));
  return archive;
}

async function restore(connection: Connection, options: RestoreOptions): Promise<WorkspaceDto[]> {
  if (connection.mode === 'api') {
    const file = { path: options.file, type: 'application/gzip', part: 'archive' };
    if (options.instance) return connection.api.upload<WorkspaceDto[]>('/restore', file, {});
    const query = { slug: options.slug, name: options.name, replace: options.replace ? 'true' : undefined };
    return [await connection.api.upload<WorkspaceDto>('/workspaces/restore', file, {}, query)];
  }
  const { RestoreService } = await import('../../modules/backup/restore.service');
  const { toWorkspaceDto } = await import('../../modules/workspaces/workspaces.service');
  const restores = connection.direct.get(RestoreService);
  const owner = await connection.direct.actor();
  const archive = createReadStream(options.file);
  const restored = options.instance
    ? await restores.restoreInstance(archive, { owner })
    : [await restores.restoreWorkspace(archive, { owner, slug: options.slug, name: options.name, replace: options.replace === true })];
  return restored.map((workspace) => toWorkspaceDto(workspace, 'owner'));
}
