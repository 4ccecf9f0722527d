import { Injectable } from '@nestjs/common';
import { invalidPayload } from '../../../common/errors/app-error';
import type { QueryConfig } from '../../../config/app-config';
import { InjectConfig } from '../../../config/config.module';
import { SELECTING_PARAMETERS, type SelectingQuery } from '../../data/items.commands';
import { ItemsService } from '../../data/items.service';
import { checkQueryOption } from './query-option';
import { checkCollection, checkKey, checkKnownOptions, FlowOperation, OperationOptions, OptionsCheck, StepContext, StepOutcome } from './flow-operation';

/**
 * `update_item`: gives the values of `payload` to the item with `key`, to every item of a list of keys,
 * or to every item `query` finds (`{"filter": …, "sort": …, "limit": …}`, as Directus' "Update Data"
 * takes it). The result is the item updated, or the list of them for a list of keys or a query.
 */
@Injectable()
export class UpdateItemOperation implements FlowOperation {
  readonly type = 'update_item';

  constructor(
    private readonly items: ItemsService,
    @InjectConfig('query') private readonly queryConfig: QueryConfig,
  ) {}

  check(options: OperationOptions, context: OptionsCheck): void {
    checkKnownOptions(options, ['collection', 'key', 'query', 'payload'], context.field);
    checkCollection(options, context);
    if (options.key !== undefined && options.query !== undefined) throw invalidPayload('Invalid payload: give "key" or "query" to say which items to update, not both.', `${context.field}.query`);
    if (options.key === undefined && options.query === undefined) throw invalidPayload('Invalid payload: give "key" (an item key, a list of keys, or a template) or "query" to say which items to update.', `${context.field}.key`);
    if (options.query !== undefined) checkQueryOption(options, context, SELECTING_PARAMETERS, 'update', this.queryConfig);
    else checkKey(options, context);
    const { payload } = options;
    if (!((typeof payload === 'object' && payload !== null && !Array.isArray(payload)) || typeof payload === 'string')) {
      throw invalidPayload('Invalid payload: "payload" must be the values to set, or a template giving them.', `${context.field}.payload`);
    }
  }

  async run(options: OperationOptions, step: StepContext): Promise<StepOutcome> {
    const collection = options.collection as string;
    if (options.query !== undefined) {
      return { result: await this.items.update(step.access, { collection, query: options.query as SelectingQuery, values: options.payload, origin: step.origin }) };
    }
    if (Array.isArray(options.key)) {
      return { result: await this.items.update(step.access, { collection, keys: { keys: options.key }, values: options.payload, origin: step.origin }) };
    }
    const [item] = await this.items.update(step.access, { collection, keys: { id: String(options.key) }, values: options.payload, origin: step.origin });
    return { result: item ?? null };
  }
}
