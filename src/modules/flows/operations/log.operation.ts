import { Injectable, Logger } from '@nestjs/common';
import { invalidPayload } from '../../../common/errors/app-error';
import { checkKnownOptions, FlowOperation, OperationOptions, OptionsCheck, StepContext, StepOutcome } from './flow-operation';

/** The longest message a log step keeps. */
const MAX_MESSAGE = 4096;

/** `log`: a templated message, kept as the step's result and written to the server log. */
@Injectable()
export class LogOperation implements FlowOperation {
  readonly type = 'log';
  private readonly logger = new Logger('Flows');

  check(options: OperationOptions, context: OptionsCheck): void {
    checkKnownOptions(options, ['message'], context.field);
    if (typeof options.message !== 'string' || options.message.length === 0 || options.message.length > MAX_MESSAGE) {
      throw invalidPayload(`Invalid payload: "message" must be 1 to ${MAX_MESSAGE} characters.`, `${context.field}.message`);
    }
  }

  run(options: OperationOptions, step: StepContext): Promise<StepOutcome> {
    // A whole-string template keeps its value's type; a log line is text.
    const message = typeof options.message === 'string' ? options.message : JSON.stringify(options.message ?? null);
    const kept = message.slice(0, MAX_MESSAGE);
    this.logger.log(`Flow ${step.access.principal.kind === 'flow' ? step.access.principal.flowId : ''}: ${kept}`);
    return Promise.resolve({ result: { message: kept } });
  }
}
