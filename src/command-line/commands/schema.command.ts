import { createWriteStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { finished } from 'node:stream/promises';
import type { PlannedStep, SnapshotService } from '../../modules/schema/snapshot.service';
import type { CliCommand } from '../cli-command';
import { CliError } from '../cli-errors';
import { confirm } from '../confirm';
import { Connection, withConnection } from '../connection';
import type { DirectConnection } from '../direct-connection';
import { workspaceOption } from '../options';

type Raw = Record<string, unknown>;

/**
 * `cairn schema export|diff|apply`: snapshot files of a workspace's schema and setup, as
 * `GET /schema/snapshot`, `POST /schema/diff` and `POST /schema/apply` make and read them.
 */
export const command: CliCommand = {
  order: 50,
  register(program, host) {
    const schema = program.command('schema').description("Export a workspace's schema as a snapshot file, and show or apply the changes that make a workspace match one.");

    schema
      .command('export')
      .description("Write the workspace's snapshot (collections, fields, relations, indexes, roles, policies, handlers, flows, webhooks, views, presets) as JSON.")
      .addOption(workspaceOption())
      .option('-o, --out <file>', 'write to this file rather than stdout')
      .addHelpText('after', '\nExamples:\n  cairn schema export -w acme --out acme.schema.json\n  cairn schema export -w acme --url https://cairn.example.com --token "$TOKEN" > acme.schema.json')
      .action(async (options: { workspace: string; out?: string }, cmd) =>
        withConnection(cmd, host, async (connection, output) => {
          const snapshot = await exportSnapshot(connection, options.workspace);
          const text = `${JSON.stringify(snapshot, null, 2)}\n`;
          if (options.out === undefined) {
            process.stdout.write(text);
            return;
          }
          const file = createWriteStream(options.out);
          file.end(text);
          await finished(file).catch((error: Error) => {
            throw new CliError(`Could not write ${options.out}: ${error.message}`);
          });
          const collections = Array.isArray(snapshot.collections) ? snapshot.collections.length : 0;
          output.result({ file: options.out, workspace: options.workspace, collections }, () => `Wrote the snapshot of ${options.workspace} (${collections} collection(s)) to ${options.out}.`);
        }),
      );

    schema
      .command('diff')
      .description('Print the steps that would make the workspace match a snapshot file, in the order they would run, with what each would lose. Nothing changes.')
      .addOption(workspaceOption())
      .requiredOption('-f, --file <file>', 'the snapshot file (from schema export)')
      .addHelpText('after', '\nExamples:\n  cairn schema diff -w staging --file acme.schema.json\n  cairn schema diff -w staging --file acme.schema.json --json')
      .action(async (options: { workspace: string; file: string }, cmd) => {
        // The file is read first: a bad one is answered without opening the database.
        const snapshot = await readSnapshot(options.file);
        await withConnection(cmd, host, async (connection, output) => {
          const steps = await diff(connection, options.workspace, snapshot);
          output.result(steps, (plan) => describePlan(plan, options.workspace));
        });
      });

    schema
      .command('apply')
      .description('Make the workspace match a snapshot file: the steps of schema diff, run as one schema change. Asks first; --yes is needed where there is no terminal.')
      .addOption(workspaceOption())
      .requiredOption('-f, --file <file>', 'the snapshot file (from schema export)')
      .option('-y, --yes', 'apply without asking (needed in CI and wherever there is no terminal)')
      .option('--force', 'also apply steps that lose data: lossy field changes, deleting collections that hold rows or that others depend on')
      .option('--dry-run', 'check every step, including the --force checks, and change nothing')
      .addHelpText('after', '\nExamples:\n  cairn schema apply -w production --file acme.schema.json\n  cairn schema apply -w production --file acme.schema.json --yes --json')
      .action(async (options: { workspace: string; file: string; yes?: boolean; force?: boolean; dryRun?: boolean }, cmd) => {
        const snapshot = await readSnapshot(options.file);
        await withConnection(cmd, host, async (connection, output) => {
          const plan = await diff(connection, options.workspace, snapshot);
          if (plan.length === 0) {
            output.result({ applied: false, steps: [] }, () => `The workspace ${options.workspace} matches the snapshot already: nothing to apply.`);
            return;
          }
          if (!options.dryRun) {
            output.note(describePlan(plan, options.workspace));
            await confirm(`Apply these ${plan.length} step(s) to ${options.workspace}?`, { yes: options.yes === true, refusal: `schema apply changes the schema of ${options.workspace}` });
          }
          const steps = await apply(connection, options.workspace, snapshot, { dryRun: options.dryRun === true, force: options.force === true });
          output.result({ applied: !options.dryRun, steps }, (answer) =>
            answer.applied ? `Applied ${answer.steps.length} step(s) to ${options.workspace}.` : `Dry run: the ${answer.steps.length} step(s) would apply to ${options.workspace}; nothing was changed.\n${describePlan(answer.steps, options.workspace)}`,
          );
        });
      });
  },
};

async function exportSnapshot(connection: Connection, workspace: string): Promise<Raw> {
  if (connection.mode === 'api') return connection.api.json<Raw>('GET', `/w/${encodeURIComponent(workspace)}/schema/snapshot`);
  return (await snapshotService(connection.direct)).snapshot(await connection.direct.workspace(workspace));
}

async function diff(connection: Connection, workspace: string, snapshot: unknown): Promise<PlannedStep[]> {
  if (connection.mode === 'api') return connection.api.json<PlannedStep[]>('POST', `/w/${encodeURIComponent(workspace)}/schema/diff`, { snapshot, impact: true });
  const snapshots = await snapshotService(connection.direct);
  return snapshots.diff(await connection.direct.workspace(workspace), snapshots.parse(snapshot), { impact: true });
}

async function apply(connection: Connection, workspace: string, snapshot: unknown, options: { dryRun: boolean; force: boolean }): Promise<PlannedStep[]> {
  if (connection.mode === 'api') return connection.api.json<PlannedStep[]>('POST', `/w/${encodeURIComponent(workspace)}/schema/apply`, { snapshot, dry_run: options.dryRun, force: options.force });
  const snapshots = await snapshotService(connection.direct);
  return snapshots.apply(await connection.direct.workspace(workspace), snapshots.parse(snapshot), options);
}

/** The snapshot service of the application direct mode booted (its module loaded with it). */
async function snapshotService(direct: DirectConnection): Promise<SnapshotService> {
  const { SnapshotService } = await import('../../modules/schema/snapshot.service');
  return direct.get(SnapshotService);
}

/** A snapshot file's JSON; an unreadable or malformed file is named with its problem. */
async function readSnapshot(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new CliError(`Could not read the snapshot file ${file}: ${(error as Error).message}`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new CliError(`The snapshot file ${file} is not JSON: ${(error as Error).message.replace(/\s+/g, ' ')}`);
  }
}

/** The plan as a person reads it: one line per step, with what it would lose. */
export function describePlan(steps: PlannedStep[], workspace: string): string {
  if (steps.length === 0) return `The workspace ${workspace} matches the snapshot: no step.`;
  return [`${steps.length} step(s) for ${workspace}:`, ...steps.map((step, i) => `  ${i + 1}. ${describeStep(step as Raw)}`)].join('\n');
}

function describeStep(step: Raw): string {
  const action = String(step.action);
  const impact = step.impact as Raw | undefined;
  return `${action} ${stepTarget(step, action)}${impact ? ` (${describeImpact(impact)})` : ''}`;
}

/** What a step acts on: `posts`, `posts.title`, `comments.post -> posts`, or a section entry's key. */
function stepTarget(step: Raw, action: string): string {
  const name = (value: unknown) => (typeof value === 'string' ? value : typeof value === 'object' && value !== null && typeof (value as Raw).field === 'string' ? String((value as Raw).field) : '');
  if (action === 'create_relation') {
    const relation = step.relation as Raw;
    return `${String(relation.collection)}.${String(relation.field)} -> ${String(relation.related_collection)}`;
  }
  if (action === 'create_index') return `${String(step.collection)} ${String((step.index as Raw).name)}`;
  if (action === 'delete_index') return `${String(step.collection)} ${String(step.name)}`;
  if (typeof step.collection === 'string') return step.field === undefined ? step.collection : `${step.collection}.${name(step.field)}`;
  const entry = action.replace(/^(create|update|delete)_/, '');
  return typeof step[entry] === 'string' ? `"${step[entry] as string}"` : '';
}

function describeImpact(impact: Raw): string {
  const parts: string[] = [];
  if (typeof impact.rows === 'number') parts.push(`${impact.rows} row(s)`);
  if (typeof impact.values === 'number') parts.push(`${impact.values} value(s)`);
  if (typeof impact.loss === 'string') parts.push(impact.loss);
  if (Array.isArray(impact.dependants) && impact.dependants.length > 0) parts.push(`${impact.dependants.length} dependant(s)`);
  return parts.join('; ');
}
