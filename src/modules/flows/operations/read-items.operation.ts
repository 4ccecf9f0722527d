import { Injectable } from '@nestjs/common';
import { AppError, invalidPayload } from '../../../common/errors/app-error';
import type { QueryConfig } from '../../../config/app-config';
import { InjectConfig } from '../../../config/config.module';
import { ItemsService } from '../../data/items.service';
import { checkQueryOption } from './query-option';
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
    if (options.query !== undefined) checkQueryOption(options, context, READING_PARAMETERS, 'read', this.queryConfig);
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
}
