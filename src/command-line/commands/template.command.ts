import type { TemplateApplied, TemplateSummary } from '../../modules/templates/templates.service';
import type { CliCommand } from '../cli-command';
import { withConnection } from '../connection';
import { workspaceOption } from '../options';
import { table } from '../output';

/**
 * `cairn template list|apply`: the starter templates (crm, blog, todo; docs/templates.md), listed, and
 * applied to a workspace with or without their sample data, through `GET /templates` and
 * `POST /w/{ws}/templates/{name}/apply` in API mode or the same service in direct mode.
 */
export const command: CliCommand = {
  order: 80,
  register(program, host) {
    const template = program.command('template').description('List the starter templates and apply one to a workspace.');

    template
      .command('list')
      .description('List the starter templates.')
      .addHelpText('after', '\nExamples:\n  cairn template list\n  cairn template list --json')
      .action(async (_options, cmd) =>
        withConnection(cmd, host, async (connection, output) => {
          let templates: TemplateSummary[];
          if (connection.mode === 'api') templates = await connection.api.json<TemplateSummary[]>('GET', '/templates');
          else {
            const { TemplatesService } = await import('../../modules/templates/templates.service');
            templates = connection.direct.get(TemplatesService).list();
          }
          output.result(templates, (list) => table(['NAME', 'TITLE', 'DESCRIPTION'], list.map((t) => [t.name, t.title, t.description])));
        }),
      );

    template
      .command('apply')
      .description("Add a template's collections, relations, app roles and policies to a workspace (refused, changing nothing, when it has any of them already), with its sample data if asked.")
      .argument('<template>', 'crm, blog or todo')
      .addOption(workspaceOption())
      .option('--sample-data', "also create the template's sample items")
      .addHelpText('after', '\nExamples:\n  cairn template apply blog -w my-blog --sample-data\n  cairn template apply crm -w acme --json')
      .action(async (name: string, options: { workspace: string; sampleData?: boolean }, cmd) =>
        withConnection(cmd, host, async (connection, output) => {
          const sampleData = options.sampleData === true;
          let applied: TemplateApplied;
          if (connection.mode === 'api') {
            const path = `/w/${encodeURIComponent(options.workspace)}/templates/${encodeURIComponent(name)}/apply`;
            applied = await connection.api.json<TemplateApplied>('POST', path, { sample_data: sampleData });
          } else {
            const { TemplatesService } = await import('../../modules/templates/templates.service');
            applied = await connection.direct.get(TemplatesService).apply(await connection.direct.workspace(options.workspace), name, { sampleData });
          }
          output.result(applied, (answer) => describeApplied(answer, options.workspace));
        }),
      );
  },
};

function describeApplied(applied: TemplateApplied, workspace: string): string {
  const items = Object.entries(applied.sample_items).map(([collection, count]) => `${count} ${collection}`);
  return `Applied the template ${applied.template} to ${workspace}: ${applied.steps.length} schema step(s)${items.length > 0 ? `, sample items: ${items.join(', ')}` : ''}.`;
}
