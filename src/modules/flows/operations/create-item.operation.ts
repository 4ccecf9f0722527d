import { Injectable } from '@nestjs/common';
import { invalidPayload } from '../../../common/errors/app-error';
import { itemsOf } from '../../data/items.commands';
import { ItemsService } from '../../data/items.service';
import { checkCollection, checkKnownOptions, FlowOperation, OperationOptions, OptionsCheck, StepContext, StepOutcome } from './flow-operation';

/** `create_item`: creates one item (or a batch) through the items door; the result is what was created. */
@Injectable()
export class CreateItemOperation implements FlowOperation {
  readonly type = 'create_item';

  constructor(private readonly items: ItemsService) {}

  check(options: OperationOptions, context: OptionsCheck): void {
    checkKnownOptions(options, ['collection', 'payload'], context.field);
    checkCollection(options, context);
    const { payload } = options;
    if (!(typeof payload === 'object' && payload !== null) && typeof payload !== 'string') {
      throw invalidPayload('Invalid payload: "payload" must be an item, a list of items, or a template giving one.', `${context.field}.payload`);
    }
  }

  async run(options: OperationOptions, step: StepContext): Promise<StepOutcome> {
    const command = { collection: options.collection as string, ...itemsOf(options.payload), origin: step.origin };
    const items = await this.items.create(step.access, command);
    return { result: command.batch ? items : (items[0] ?? null) };
  }
}
