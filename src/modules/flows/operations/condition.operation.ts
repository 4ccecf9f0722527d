import { Injectable } from '@nestjs/common';
import { checkConditionFilter, matchesCondition } from '../condition-filter';
import { checkKnownOptions, FlowOperation, OperationOptions, OptionsCheck, StepContext, StepOutcome } from './flow-operation';

/**
 * `condition`: tests a filter over the run's data (`{$trigger, $last, <step keys>}`) and goes on to
 * `next` when it holds, to `otherwise` when not (the run ends there when that is not set).
 */
@Injectable()
export class ConditionOperation implements FlowOperation {
  readonly type = 'condition';

  check(options: OperationOptions, context: OptionsCheck): void {
    checkKnownOptions(options, ['filter'], context.field);
    checkConditionFilter(options.filter, `${context.field}.filter`);
  }

  run(options: OperationOptions, step: StepContext): Promise<StepOutcome> {
    const passed = matchesCondition(options.filter as Record<string, unknown>, step.data);
    return Promise.resolve({ result: { passed }, branch: passed ? 'next' : 'otherwise' });
  }
}
