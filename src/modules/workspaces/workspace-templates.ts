import { Injectable } from '@nestjs/common';
import type { WorkspaceAccess } from './workspaces.service';

/** What the templates module offers a new workspace: a check of a template's name, and applying it. */
export interface WorkspaceTemplateApplier {
  /** Throws 400 naming `template` when there is no such template. */
  check(name: string): void;
  apply(access: WorkspaceAccess, name: string, options: { sampleData: boolean }): Promise<unknown>;
}

/**
 * Where the templates module registers itself at init, so that `POST /workspaces` can start a
 * workspace from a template while this module knows nothing of templates (they build on schema, items
 * and policies, which build on workspaces).
 */
@Injectable()
export class WorkspaceTemplates {
  private applier: WorkspaceTemplateApplier | null = null;

  register(applier: WorkspaceTemplateApplier): void {
    if (this.applier) throw new Error('Workspace templates are registered twice.');
    this.applier = applier;
  }

  get(): WorkspaceTemplateApplier {
    if (!this.applier) throw new Error('No templates module is registered.');
    return this.applier;
  }
}
