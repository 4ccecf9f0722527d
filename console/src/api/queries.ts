import { queryOptions } from '@tanstack/react-query';
import { get } from './client';
import { system, unwrap } from './system';
import type { AppRole, Policy } from '../lib/policies';
import type { Collection, Handler, Relation } from './types';

/** The queries screens share, so one screen's change refreshes the others' data. */
export const workspacesQuery = () => queryOptions({ queryKey: ['workspaces'], queryFn: () => unwrap(system.GET('/api/v1/workspaces')) });
export const templatesQuery = () => queryOptions({ queryKey: ['templates'], queryFn: () => unwrap(system.GET('/api/v1/templates')), staleTime: Infinity });
export const workspaceQuery = (ws: string) => queryOptions({ queryKey: ['workspaces', ws], queryFn: () => unwrap(system.GET('/api/v1/workspaces/{ws}', { params: { path: { ws } } })) });
export const membersQuery = (ws: string) => queryOptions({ queryKey: ['workspaces', ws, 'members'], queryFn: () => unwrap(system.GET('/api/v1/workspaces/{ws}/members', { params: { path: { ws } } })) });
export const apiKeysQuery = (ws: string) => queryOptions({ queryKey: ['workspaces', ws, 'api-keys'], queryFn: () => unwrap(system.GET('/api/v1/workspaces/{ws}/api-keys', { params: { path: { ws } } })) });
export const collectionsQuery = (ws: string) => queryOptions({ queryKey: ['w', ws, 'collections'], queryFn: () => get<Collection[]>(`/w/${ws}/collections`) });
export const appRolesQuery = (ws: string) => queryOptions({ queryKey: ['w', ws, 'roles'], queryFn: () => get<AppRole[]>(`/w/${ws}/roles`) });
export const policiesQuery = (ws: string) => queryOptions({ queryKey: ['w', ws, 'policies'], queryFn: () => get<Policy[]>(`/w/${ws}/policies`) });
export const relationsQuery = (ws: string) => queryOptions({ queryKey: ['w', ws, 'relations'], queryFn: () => get<Relation[]>(`/w/${ws}/relations`) });

/** Row counts of every collection, one aggregate each. */
export const rowCountsQuery = (ws: string, collections: string[]) =>
  queryOptions({
    queryKey: ['w', ws, 'row-counts', collections],
    queryFn: async () => {
      const counts = await Promise.all(
        collections.map(async (name) => {
          const rows = await get<{ count: number | string }[]>(`/w/${ws}/items/${name}`, { 'aggregate[count]': '*' }).catch(() => null);
          return [name, rows ? Number(rows[0]?.count ?? 0) : null] as const;
        }),
      );
      return Object.fromEntries(counts) as Record<string, number | null>;
    },
  });
export const handlersQuery = (ws: string) =>
  queryOptions({ queryKey: ['w', ws, 'handlers'], queryFn: async () => (await unwrap(system.GET('/api/v1/w/{ws}/handlers', { params: { path: { ws } } }))) as unknown as Handler[] });
export const handlerQuery = (ws: string, id: string) =>
  queryOptions({ queryKey: ['w', ws, 'handlers', id], queryFn: async () => (await unwrap(system.GET('/api/v1/w/{ws}/handlers/{id}', { params: { path: { ws, id } } }))) as unknown as Handler });
export const handlerRunsQuery = (ws: string, id: string) =>
  queryOptions({ queryKey: ['w', ws, 'handlers', id, 'runs'], queryFn: () => unwrap(system.GET('/api/v1/w/{ws}/handlers/{id}/runs', { params: { path: { ws, id }, query: { limit: '50' } } })) });
