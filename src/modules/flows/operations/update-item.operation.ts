import { Injectable } from '@nestjs/common';
import { invalidPayload } from '../../../common/errors/app-error';
import { ItemsService } from '../../data/items.service';
import { checkCollection, checkKey, checkKnownOptions, FlowOperation, OperationOptions, OptionsCheck, StepContext, StepOutcome } from './flow-operation';

/** `update_item`: gives the item with `key` (or every item of a list of keys) the values of `payload`. */
@Injectable()
export class UpdateItemOperation implements FlowOperation {
  readonly type = 'update_item';

  constructor(private readonly items: ItemsService) {}

  check(options: OperationOptions, context: OptionsCheck): void {
    checkKnownOptions(options, ['collection', 'key', 'payload'], context.field);
    checkCollection(options, context);
    checkKey(options, context);
    const { payload } = options;
    if (!((typeof payload === 'object' && payload !== null && !Array.isArray(payload)) || typeof payload === 'string')) {
      throw invalidPayload('Invalid payload: "payload" must be the values to set, or a template giving them.', `${context.field}.payload`);
    }
  }

  async run(options: OperationOptions, step: StepContext): Promise<StepOutcome> {
    const collection = options.collection as string;
    if (Array.isArray(options.key)) {
      return { result: await this.items.update(step.access, { collection, keys: { keys: options.key }, values: options.payload, origin: step.origin }) };
    }
    const [item] = await this.items.update(step.access, { collection, keys: { id: String(options.key) }, values: options.payload, origin: step.origin });
    return { result: item ?? null };
  }
}
