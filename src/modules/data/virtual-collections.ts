import { Injectable } from '@nestjs/common';
import type { WorkspaceSchema } from '../schema/schema.types';
import type { ItemsAccess } from '../workspaces/workspaces.service';
import type { ReadResult } from './items.service';

type Params = Record<string, unknown>;

/** A read-only collection that another module answers under `/items/{name}` (a view). */
export interface VirtualCollection {
  list(access: ItemsAccess, params: Params): Promise<ReadResult>;
  get(access: ItemsAccess, id: string, params: Params): Promise<Record<string, unknown>>;
  /** Why a write to it is refused, for the 403. */
  readonly readOnlyReason: string;
}

/** A virtual collection as the generated documents (OpenAPI) describe it. */
export interface VirtualCollectionInfo {
  name: string;
  description: string;
  /** The JSON schema of one of its rows. */
  rowSchema: Record<string, unknown>;
  /** Where it is also served without a workspace token, under /api/v1, `{ws}` standing for the workspace; null when nowhere. */
  publicPath: string | null;
}

/** Finds the virtual collections of one kind by name. */
export interface VirtualCollectionSource {
  find(workspaceId: string, name: string): Promise<VirtualCollection | null>;
  /** All of a workspace's, described, and a stamp that changes whenever they do. */
  describe(schema: WorkspaceSchema): Promise<{ stamp: string; collections: VirtualCollectionInfo[] }>;
}

/**
 * Where modules that serve read-only collections of their own (views) register, so that the items door
 * can hand them the requests for their names without depending on them. Real collections come first:
 * a source is only asked about a name the registry does not know.
 */
@Injectable()
export class VirtualCollections {
  private readonly sources: VirtualCollectionSource[] = [];

  register(source: VirtualCollectionSource): void {
    this.sources.push(source);
  }

  async find(schema: WorkspaceSchema, name: string): Promise<VirtualCollection | null> {
    if (schema.collections.has(name)) return null;
    for (const source of this.sources) {
      const found = await source.find(schema.workspaceId, name);
      if (found) return found;
    }
    return null;
  }

  async describe(schema: WorkspaceSchema): Promise<{ stamp: string; collections: VirtualCollectionInfo[] }> {
    const described = await Promise.all(this.sources.map((source) => source.describe(schema)));
    return { stamp: described.map((d) => d.stamp).join('|'), collections: described.flatMap((d) => d.collections) };
  }
}
