import { createReadStream, createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { extname } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Option } from 'commander';
import type { TransferFormat } from '../../modules/data/transfer/items-transfer.service';
import type { ImportResult } from '../../modules/data/transfer/transfer.types';
import type { CliCommand } from '../cli-command';
import { CliError, usageError } from '../cli-errors';
import { Connection, withConnection } from '../connection';
import { workspaceOption } from '../options';

interface ExportOptions {
  workspace: string;
  format?: TransferFormat;
  out?: string;
  fields?: string;
  filter?: string;
  sort?: string;
  limit?: string;
}

interface ImportOptions {
  workspace: string;
  file: string;
  format?: TransferFormat;
  mapping?: string;
  dryRun?: boolean;
}

const CONTENT_TYPES: Record<TransferFormat, string> = { csv: 'text/csv', json: 'application/json' };

/**
 * `cairn data export|import`: a collection's items as a CSV or JSON file, streamed both ways, through the
 * items door (`GET /items/{c}?export=`, `POST /items/{c}/import`): the same policies, validation, hooks,
 * activity and events as the API's.
 */
export const command: CliCommand = {
  order: 60,
  register(program, host) {
    const data = program.command('data').description("Export a collection's items to a CSV or JSON file, and import one (with a dry run).");

    data
      .command('export')
      .description('Stream every item of a collection (or view) that the query selects to a file or stdout, 1,000 rows at a time.')
      .argument('<collection>', 'the collection or view')
      .addOption(workspaceOption())
      .addOption(new Option('--format <format>', 'csv or json (default: the --out file\'s extension, else csv)').choices(['csv', 'json']))
      .option('-o, --out <file>', 'write to this file rather than stdout')
      .option('--fields <fields>', 'the columns, as the API\'s fields parameter (default *)')
      .option('--filter <json>', 'a filter in the query language, as JSON: \'{"status":{"_eq":"published"}}\'')
      .option('--sort <fields>', 'the order, as the API\'s sort parameter: -published_at,title')
      .option('--limit <n>', 'at most this many items (default: all)')
      .addHelpText('after', '\nExamples:\n  cairn data export posts -w blog --out posts.csv\n  cairn data export posts -w blog --format json --fields id,title,author.name --filter \'{"status":{"_eq":"published"}}\' > posts.json')
      .action(async (collection: string, options: ExportOptions, cmd) =>
        withConnection(cmd, host, async (connection, output) => {
          const format = options.format ?? formatOfFile(options.out) ?? 'csv';
          const params = { export: format, fields: options.fields, filter: options.filter, sort: options.sort, limit: options.limit };
          const body = await exportStream(connection, options.workspace, collection, params);
          if (options.out === undefined) {
            await pipeline(body, stdoutKeptOpen());
            return;
          }
          await pipeline(body, createWriteStream(options.out)).catch((error: Error) => {
            throw new CliError(`Could not write ${options.out}: ${error.message}`);
          });
          output.result({ file: options.out, collection, format }, () => `Exported ${collection} of ${options.workspace} as ${format.toUpperCase()} to ${options.out}.`);
        }),
      );

    data
      .command('import')
      .description('Import a CSV or JSON file into a collection: every row or none. With --dry-run nothing is written and every failing row is printed.')
      .argument('<collection>', 'the collection')
      .addOption(workspaceOption())
      .requiredOption('-f, --file <file>', 'the CSV (header row, then one row per item) or JSON (an array of objects) file')
      .addOption(new Option('--format <format>', "csv or json (default: the file's extension)").choices(['csv', 'json']))
      .option('--mapping <json>', 'file columns to fields, as JSON; null skips a column: \'{"Title":"title","Internal":null}\'')
      .option('--dry-run', 'check every row and write nothing; exits 1 when a row would fail')
      .addHelpText('after', '\nExit codes: 0 imported (or a dry run with no failing row), 1 refused or a dry run with failing rows, 2 usage.\n\nExamples:\n  cairn data import posts -w blog --file posts.csv --dry-run\n  cairn data import posts -w blog --file posts.json --json')
      .action(async (collection: string, options: ImportOptions, cmd) => {
        const format = options.format ?? formatOfFile(options.file);
        if (!format) throw usageError(`Cannot tell the format of ${options.file} from its name: give --format csv or --format json.`);
        const size = await stat(options.file).catch((error: Error) => {
          throw new CliError(`Could not read ${options.file}: ${error.message}`);
        });
        if (!size.isFile()) throw new CliError(`${options.file} is not a file.`);
        await withConnection(cmd, host, async (connection, output) => {
          const result = await importFile(connection, options, collection, format);
          output.result(result, (answer) => describeImport(answer, collection, options.dryRun === true));
          // The rows are the answer (stdout); the exit code tells a script the file would not import.
          if (options.dryRun && result.errors.length > 0) throw new CliError(`${result.errors.length} row(s) of ${options.file} would fail; nothing was written.`);
        });
      });
  },
};

async function exportStream(connection: Connection, workspace: string, collection: string, params: Record<string, string | undefined>): Promise<Readable> {
  if (connection.mode === 'api') return connection.api.download(`/w/${encodeURIComponent(workspace)}/items/${encodeURIComponent(collection)}`, params);
  const { ItemsTransfer } = await import('../../modules/data/transfer/items-transfer.service');
  const given = Object.fromEntries(Object.entries(params).filter(([, value]) => value !== undefined));
  return (await connection.direct.get(ItemsTransfer).export(await connection.direct.workspace(workspace), collection, given)).body;
}

async function importFile(connection: Connection, options: ImportOptions, collection: string, format: TransferFormat): Promise<ImportResult> {
  if (connection.mode === 'api') {
    const fields: Record<string, string> = options.mapping === undefined ? {} : { mapping: options.mapping };
    return connection.api.upload<ImportResult>(`/w/${encodeURIComponent(options.workspace)}/items/${encodeURIComponent(collection)}/import`, { path: options.file, type: CONTENT_TYPES[format] }, fields, {
      dry_run: options.dryRun ? 'true' : undefined,
    });
  }
  const { ItemsTransfer, mappingOf } = await import('../../modules/data/transfer/items-transfer.service');
  const mapping = options.mapping === undefined ? null : mappingOf(options.mapping);
  const access = await connection.direct.workspace(options.workspace);
  return connection.direct.get(ItemsTransfer).importFile(
    access,
    collection,
    // A local file has no upload limit to be cut at.
    { bytes: createReadStream(options.file), format, truncated: () => false, maxBytes: Number.MAX_SAFE_INTEGER },
    { dryRun: options.dryRun === true, mapping, origin: { ip: null, userAgent: 'cairn-cli' } },
  );
}

function describeImport(result: ImportResult, collection: string, dryRun: boolean): string {
  if (!dryRun) return `Imported ${result.rows} row(s) into ${collection}.`;
  if (result.errors.length === 0) return `Dry run: all ${result.rows} row(s) would import into ${collection}; nothing was written.`;
  const lines = result.errors.map((failure) => `  row ${failure.row}${failure.field ? `, ${failure.field}` : ''}: ${failure.message}`);
  return [`Dry run: ${result.rows} row(s) read, ${result.errors.length} would fail; nothing was written.`, ...lines].join('\n');
}

function formatOfFile(file: string | undefined): TransferFormat | null {
  const extension = file === undefined ? '' : extname(file).toLowerCase();
  return extension === '.csv' ? 'csv' : extension === '.json' ? 'json' : null;
}

/** stdout as a pipeline's end, which the pipeline must not close (the process writes on it after). */
function stdoutKeptOpen(): Writable {
  return new Writable({
    write(chunk: Buffer, _encoding, done) {
      if (process.stdout.write(chunk)) done();
      else process.stdout.once('drain', () => done());
    },
  });
}
