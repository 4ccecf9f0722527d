import { queryOptions } from '@tanstack/react-query';
import type { components, paths } from './schema';
import { system, unwrap } from './system';

/** Webhooks and flows, typed from Cairn's OpenAPI document, and the queries their screens share. */
type JsonOf<Answer> = Answer extends { content: { 'application/json': { data?: infer D } } } ? NonNullable<D> : never;
export type Webhook = JsonOf<paths['/api/v1/w/{ws}/webhooks']['get']['responses'][200]>[number];
export type WebhookInput = NonNullable<paths['/api/v1/w/{ws}/webhooks']['post']['requestBody']>['content']['application/json'];
export type Delivery = JsonOf<paths['/api/v1/w/{ws}/webhooks/{id}/deliveries']['get']['responses'][200]>[number];
export type DeliveryAttempt = NonNullable<Delivery['log']>[number];
export type Flow = components['schemas']['FlowView'];
export type FlowRun = components['schemas']['FlowRunView'];
export type FlowStep = components['schemas']['FlowStepView'];
export type FlowTrigger = components['schemas']['FlowTriggerDto'];
export type FlowOperation = components['schemas']['FlowOperationView'];

export const WEBHOOK_EVENTS = ['create', 'update', 'delete'] as const;

export const webhooksQuery = (ws: string) => queryOptions({ queryKey: ['w', ws, 'webhooks'], queryFn: () => unwrap(system.GET('/api/v1/w/{ws}/webhooks', { params: { path: { ws } } })) });
export const webhookQuery = (ws: string, id: string) =>
  queryOptions({ queryKey: ['w', ws, 'webhooks', id], queryFn: () => unwrap(system.GET('/api/v1/w/{ws}/webhooks/{id}', { params: { path: { ws, id } } })) });
export const deliveriesQuery = (ws: string, id: string) =>
  queryOptions({
    queryKey: ['w', ws, 'webhooks', id, 'deliveries'],
    queryFn: () => unwrap(system.GET('/api/v1/w/{ws}/webhooks/{id}/deliveries', { params: { path: { ws, id }, query: { limit: '100' } } })),
  });

export const flowsQuery = (ws: string) => queryOptions({ queryKey: ['w', ws, 'flows'], queryFn: () => unwrap(system.GET('/api/v1/w/{ws}/flows', { params: { path: { ws } } })) });
export const flowQuery = (ws: string, id: string) => queryOptions({ queryKey: ['w', ws, 'flows', id], queryFn: () => unwrap(system.GET('/api/v1/w/{ws}/flows/{id}', { params: { path: { ws, id } } })) });
export const runsQuery = (ws: string, id: string) =>
  queryOptions({ queryKey: ['w', ws, 'flows', id, 'runs'], queryFn: () => unwrap(system.GET('/api/v1/w/{ws}/flows/{id}/runs', { params: { path: { ws, id }, query: { limit: '50' } } })) });
export const handlersQuery = (ws: string) => queryOptions({ queryKey: ['w', ws, 'handlers'], queryFn: () => unwrap(system.GET('/api/v1/w/{ws}/handlers', { params: { path: { ws } } })) });
