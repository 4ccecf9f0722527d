import { AppError, invalidPayload } from '../../../common/errors/app-error';
import type { QueryConfig } from '../../../config/app-config';
import { parseItemsQuery } from '../../../engine/query/query.parser';
import { hasTemplate } from '../flow-templates';
import type { OperationOptions, OptionsCheck } from './flow-operation';

/**
 * Checks an operation's `query` option when the flow is saved: an object with a filter (a query without
 * one would take every item; one that means to says so in its filter) and only the `parameters` the
 * operation takes. One without templates is parsed against the collection now, so an unknown field or
 * operator is refused at save, named by its place; a templated one is parsed when it runs. `purpose`
 * says what the filter picks the items for ("read", "update").
 */
export function checkQueryOption(options: OperationOptions, context: OptionsCheck, parameters: readonly string[], purpose: string, config: QueryConfig): void {
  const { query } = options;
  const field = `${context.field}.query`;
  if (typeof query !== 'object' || query === null || Array.isArray(query)) throw invalidPayload(`Invalid payload: "query" must be an object such as {"filter": {"status": {"_eq": "draft"}}}.`, field);
  const other = Object.keys(query).find((name) => !parameters.includes(name));
  if (other !== undefined) throw invalidPayload(`Invalid payload: "query" takes ${parameters.join(', ')}; not "${other}".`, `${field}.${other}`);
  const { filter } = query as Record<string, unknown>;
  if (typeof filter !== 'object' || filter === null || Array.isArray(filter) || Object.keys(filter).length === 0) {
    throw invalidPayload(`Invalid payload: "query" needs a "filter" that says which items to ${purpose}.`, `${field}.filter`);
  }
  if (hasTemplate(JSON.stringify(query))) return;
  try {
    parseItemsQuery(options.collection as string, query as Record<string, unknown>, context.schema, config);
  } catch (error) {
    if (!(error instanceof AppError)) throw error;
    const parameter = error.extensions.parameter;
    throw invalidPayload(`Invalid payload: ${error.message}`, typeof parameter === 'string' ? `${field}.${parameter}` : field);
  }
}
