import { Injectable } from '@nestjs/common';
import { AppError, invalidPayload } from '../../../common/errors/app-error';
import type { QueryConfig } from '../../../config/app-config';
import { InjectConfig } from '../../../config/config.module';
import { parseItemsQuery } from '../../../engine/query/query.parser';
import { ItemsService } from '../../data/items.service';
import { hasTemplate } from '../flow-templates';
import { checkCollection, checkKnownOptions, FlowOperation, OperationOptions, OptionsCheck, StepContext, StepOutcome } from './flow-operation';

/** What a read's `query` may hold: the parameters that choose and shape the items read. */
const READING_PARAMETERS = ['filter', 'sort', 'limit', 'fields'] as const;

/**
 * `read_items`: reads through the items door, as the flow. With `key`, the item with that key (null
 * when there is none); with `query` (`{"filter": …, "sort": …, "limit": …, "fields": …}`, as
 * Directus' "Read Data" takes it), the list of items it finds, in its sort, bounded by its limit or the
 * server's default page size.
 */
@Injectable()
export class ReadItemsOperation implements FlowOperation {
  readonly type = 'read_items';

  constructor(
    private readonly items: ItemsService,
    @InjectConfig('query') private readonly queryConfig: QueryConfig,
  ) {}

  check(options: OperationOptions, context: OptionsCheck): void {
    checkKnownOptions(options, ['collection', 'key', 'query'], context.field);
    checkCollection(options, context);
    if (options.key !== undefined && options.query !== undefined) throw invalidPayload('Invalid payload: give "key" or "query" to say which items to read, not both.', `${context.field}.query`);
    if (options.key === undefined && options.query === undefined) throw invalidPayload('Invalid payload: give "key" (an item key or a template) or "query" to say which items to read.', `${context.field}.key`);
    if (options.query !== undefined) this.checkQuery(options, context);
    else if (typeof options.key !== 'string' && typeof options.key !== 'number') {
      throw invalidPayload('Invalid payload: "key" must be an item key or a template such as "{{ $trigger.keys[0] }}".', `${context.field}.key`);
    }
  }

  async run(options: OperationOptions, step: StepContext): Promise<StepOutcome> {
    const collection = options.collection as string;
    if (options.query !== undefined) {
      const read = await this.items.list(step.access, { collection, params: options.query as Record<string, unknown> });
      return { result: read.data };
    }
    try {
      return { result: await this.items.get(step.access, { collection, id: String(options.key), params: {} }) };
    } catch (error) {
      // No item with the key (or none the flow may read): the step answers null, for a condition to test.
      if (error instanceof AppError && error.status === 404) return { result: null };
      throw error;
    }
  }

  /**
   * Requires a query with a filter and only the reading parameters. One without templates is parsed
   * against the collection now, so an unknown field or operator is refused when the flow is saved; a
   * templated one is parsed when it runs.
   */
  private checkQuery(options: OperationOptions, context: OptionsCheck): void {
    const { query } = options;
    const field = `${context.field}.query`;
    if (typeof query !== 'object' || query === null || Array.isArray(query)) throw invalidPayload(`Invalid payload: "query" must be an object such as {"filter": {"status": {"_eq": "draft"}}}.`, field);
    const other = Object.keys(query).find((name) => !(READING_PARAMETERS as readonly string[]).includes(name));
    if (other !== undefined) throw invalidPayload(`Invalid payload: "query" takes ${READING_PARAMETERS.join(', ')}; not "${other}".`, `${field}.${other}`);
    const { filter } = query as Record<string, unknown>;
    if (typeof filter !== 'object' || filter === null || Array.isArray(filter) || Object.keys(filter).length === 0) {
      throw invalidPayload('Invalid payload: "query" needs a "filter" that says which items to read.', `${field}.filter`);
    }
    if (hasTemplate(JSON.stringify(query))) return;
    try {
      parseItemsQuery(options.collection as string, query as Record<string, unknown>, context.schema, this.queryConfig);
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      const parameter = error.extensions.parameter;
      throw invalidPayload(`Invalid payload: ${error.message}`, typeof parameter === 'string' ? `${field}.${parameter}` : field);
    }
  }
}
