import { Injectable, OnModuleInit } from '@nestjs/common';
import { Database } from '../../common/database/database.service';
import { invalidPayload, notFound } from '../../common/errors/app-error';
import type { UserPrincipal } from '../../common/principal/principal';
import { ItemsService } from '../data/items.service';
import { SnapshotService, type PlannedStep } from '../schema/snapshot.service';
import { UserEntity } from '../users/user.entity';
import { MemberEntity } from '../workspaces/workspace.entity';
import { WorkspaceTemplates } from '../workspaces/workspace-templates';
import { WorkspacesService, type WorkspaceAccess } from '../workspaces/workspaces.service';
import { TEMPLATE_CATALOG } from './catalog';
import { resolveSampleRefs } from './sample-data';
import { assertNoClash, withTemplate } from './template-plan';
import type { TemplateDefinition } from './template.types';

/** A template as `GET /templates` lists it. */
export interface TemplateSummary {
  name: string;
  title: string;
  description: string;
  readme: string;
  collections: string[];
  has_sample_data: boolean;
}

/** What applying a template did: the snapshot steps it ran and the sample items it created, by collection. */
export interface TemplateApplied {
  template: string;
  steps: PlannedStep[];
  sample_items: Record<string, number>;
}

export interface ApplyOptions {
  sampleData: boolean;
}

/** The origin written in the activity log for the sample items: no request made them. */
const NO_REQUEST = { ip: null, userAgent: null };

/**
 * Starter templates: a template's schema, app roles and policies are added to a workspace as one
 * snapshot apply (all of it or nothing, refused with 409 when the workspace has any of it already),
 * then its sample items, if asked for, are created in one unit of work through the items door, as
 * the caller, so they meet the same validation, autocodes, activity and events as any write.
 */
@Injectable()
export class TemplatesService implements OnModuleInit {
  constructor(
    private readonly snapshots: SnapshotService,
    private readonly items: ItemsService,
    private readonly workspaces: WorkspacesService,
    private readonly workspaceTemplates: WorkspaceTemplates,
    private readonly db: Database,
  ) {}

  onModuleInit(): void {
    // Lets POST /workspaces take a template without the workspaces module knowing this one.
    this.workspaceTemplates.register({ check: (name) => void this.template(name, 'template'), apply: (access, name, options) => this.apply(access, name, options) });
  }

  list(): TemplateSummary[] {
    return TEMPLATE_CATALOG.map(summary);
  }

  get(name: string): TemplateSummary {
    return summary(this.template(name));
  }

  /**
   * Applies a template to a workspace as the caller (an owner or admin): its schema and setup in one
   * snapshot apply, then its sample items if asked, in one unit of work.
   */
  async apply(access: WorkspaceAccess, name: string, options: ApplyOptions): Promise<TemplateApplied> {
    const template = this.template(name);
    const current = await this.snapshots.snapshot(access);
    assertNoClash(current, template);
    const steps = await this.snapshots.apply(access, this.snapshots.parse(withTemplate(current, template)), { dryRun: false, force: false });
    const sample_items = options.sampleData ? await this.addSampleItems(access, template) : {};
    return { template: template.name, steps, sample_items };
  }

  /**
   * Applies a template to a workspace named by id or slug, acting as its first owner: for callers
   * without a request, such as the command line in a Nest application context.
   */
  async applyTemplate(workspaceRef: string, name: string, options: ApplyOptions): Promise<TemplateApplied> {
    this.template(name);
    const workspace = await this.workspaces.findByRef(workspaceRef);
    if (!workspace) throw notFound(`Workspace "${workspaceRef}" not found.`);
    const manager = this.db.dataSource.manager;
    const owner = await manager.getRepository(MemberEntity).findOne({ where: { workspaceId: workspace.id, role: 'owner' }, order: { createdAt: 'ASC' } });
    const user = owner ? await manager.getRepository(UserEntity).findOneBy({ id: owner.userId }) : null;
    if (!user) throw notFound(`Workspace "${workspaceRef}" has no owner to act as.`);
    const principal: UserPrincipal = { kind: 'user', userId: user.id, email: user.email, isSuperadmin: user.isSuperadmin };
    return this.apply({ workspace, role: 'owner', principal }, name, options);
  }

  private async addSampleItems(access: WorkspaceAccess, template: TemplateDefinition): Promise<Record<string, number>> {
    return this.db.together(async () => {
      const keys = new Map<string, unknown>();
      const counts: Record<string, number> = {};
      for (const sample of template.sample) {
        const [created] = await this.items.create(access, { collection: sample.collection, items: [resolveSampleRefs(sample, keys)], batch: false, fields: ['id'], origin: NO_REQUEST });
        if (sample.ref !== undefined) keys.set(sample.ref, created.id);
        counts[sample.collection] = (counts[sample.collection] ?? 0) + 1;
      }
      return counts;
    });
  }

  private template(name: string, field?: string): TemplateDefinition {
    const template = TEMPLATE_CATALOG.find((candidate) => candidate.name === name);
    if (template) return template;
    const known = TEMPLATE_CATALOG.map((candidate) => `"${candidate.name}"`).join(', ');
    if (field) throw invalidPayload(`Invalid payload: there is no template "${name}"; the templates are ${known}.`, field);
    throw notFound(`There is no template "${name}"; the templates are ${known}.`);
  }
}

function summary(template: TemplateDefinition): TemplateSummary {
  return {
    name: template.name,
    title: template.title,
    description: template.description,
    readme: template.readme,
    collections: template.schema.collections.map((collection) => collection.collection),
    has_sample_data: template.sample.length > 0,
  };
}
