import { Injectable } from '@nestjs/common';
import type { WorkspaceSchema } from '../schema/schema.types';
import type { ItemsAccess } from '../workspaces/workspaces.service';
import type { ReadResult } from './read/items.reader';
import type { AggregateTerm, ExpressionType, Selection } from '../../engine/query/query.ast';

type Params = Record<string, unknown>;

/** A read-only collection that another module answers under `/items/{name}` (a view). */
export interface VirtualCollection {
  list(access: ItemsAccess, params: Params): Promise<ReadResult>;
  get(access: ItemsAccess, id: string, params: Params): Promise<Record<string, unknown>>;
  /** Why a write to it is refused, for the 403. */
  readonly readOnlyReason: string;
}

/**
 * What one row of a virtual collection holds, in the query AST's terms and over the schema it was
 * described with, for the typed APIs (GraphQL): rows of items (a selection of the source and its
 * relations, and computed values beside), or rows of groups (the groupBy fields and the aggregates).
 */
export type VirtualRowShape =
  | { kind: 'items'; source: string; selection: Selection; computed: ReadonlyArray<{ alias: string; type: ExpressionType }> }
  | { kind: 'groups'; source: string; groupBy: readonly string[]; aggregate: readonly AggregateTerm[] };

/** A virtual collection as the generated documents (OpenAPI, GraphQL schemas) describe it. */
export interface VirtualCollectionInfo {
  name: string;
  description: string;
  /** The JSON schema of one of its rows. */
  rowSchema: Record<string, unknown>;
  /** The same row, in the query AST's terms. */
  shape: VirtualRowShape;
  /** Where it is also served without a workspace token, under /api/v1, `{ws}` standing for the workspace; null when nowhere. */
  publicPath: string | null;
}

/** Finds the virtual collections of one kind by name. */
export interface VirtualCollectionSource {
  find(workspaceId: string, name: string): Promise<VirtualCollection | null>;
  /**
   * All of a workspace's, described, and a stamp that changes whenever they do. With `visible`, the
   * schema as one caller may read it: only those that caller may read, shaped as its reads answer them.
   */
  describe(schema: WorkspaceSchema, visible?: WorkspaceSchema): Promise<{ stamp: string; collections: VirtualCollectionInfo[] }>;
  /** The stamp alone, cheaply: what built schemas and documents are keyed by. */
  stamp(workspaceId: string): Promise<string>;
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

  /** A workspace's virtual collections; with `visible`, those a caller reading that much may read (see the source's `describe`). */
  async describe(schema: WorkspaceSchema, visible?: WorkspaceSchema): Promise<{ stamp: string; collections: VirtualCollectionInfo[] }> {
    const described = await Promise.all(this.sources.map((source) => source.describe(schema, visible)));
    // A collection created later under a virtual collection's name takes the name over (see `find`).
    const collections = described.flatMap((d) => d.collections).filter((collection) => !schema.collections.has(collection.name));
    return { stamp: described.map((d) => d.stamp).join('|'), collections };
  }

  /** A stamp that changes whenever any of a workspace's virtual collections does. */
  async stamp(workspaceId: string): Promise<string> {
    return (await Promise.all(this.sources.map((source) => source.stamp(workspaceId)))).join('|');
  }
}
