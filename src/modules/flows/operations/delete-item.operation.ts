import { Injectable } from '@nestjs/common';
import { ItemsService } from '../../data/items.service';
import { checkCollection, checkKey, checkKnownOptions, FlowOperation, OperationOptions, OptionsCheck, StepContext, StepOutcome } from './flow-operation';

/** `delete_item`: deletes the item with `key`, or the items of a list of keys; the result is the keys. */
@Injectable()
export class DeleteItemOperation implements FlowOperation {
  readonly type = 'delete_item';

  constructor(private readonly items: ItemsService) {}

  check(options: OperationOptions, context: OptionsCheck): void {
    checkKnownOptions(options, ['collection', 'key'], context.field);
    checkCollection(options, context);
    checkKey(options, context);
  }

  async run(options: OperationOptions, step: StepContext): Promise<StepOutcome> {
    const collection = options.collection as string;
    if (Array.isArray(options.key)) {
      await this.items.delete(step.access, { collection, keys: { keys: options.key }, origin: step.origin });
      return { result: { keys: options.key } };
    }
    await this.items.delete(step.access, { collection, keys: { id: String(options.key) }, origin: step.origin });
    return { result: { keys: [options.key] } };
  }
}
