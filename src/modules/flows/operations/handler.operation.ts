import { Injectable } from '@nestjs/common';
import { invalidPayload, notFound } from '../../../common/errors/app-error';
import { HandlerCatalog } from '../../handlers/handler.catalog';
import { HandlerRunner } from '../../handlers/handler.runner';
import { checkKnownOptions, FlowOperation, OperationOptions, OptionsCheck, StepContext, StepOutcome } from './flow-operation';

/**
 * `handler`: runs one of the workspace's enabled handlers, of any kind, in the sandbox, with
 * `ctx.flow = { id, input }` (`input` templated); its `items()` calls act as the flow. The result is the
 * value the handler returned; a handler that throws fails the step.
 */
@Injectable()
export class HandlerOperation implements FlowOperation {
  readonly type = 'handler';

  constructor(
    private readonly catalog: HandlerCatalog,
    private readonly runner: HandlerRunner,
  ) {}

  check(options: OperationOptions, context: OptionsCheck): void {
    checkKnownOptions(options, ['handler', 'input'], context.field);
    // The handler is looked up when the step runs: it names a row, so it may not be a template.
    if (typeof options.handler !== 'string' || options.handler === '' || options.handler.includes('{{')) {
      throw invalidPayload('Invalid payload: "handler" must be the id of a handler of the workspace.', `${context.field}.handler`);
    }
  }

  async run(options: OperationOptions, step: StepContext): Promise<StepOutcome> {
    const handler = await this.catalog.byId(step.access.workspace.id, options.handler as string);
    if (!handler) throw notFound(`The handler "${String(options.handler)}" does not exist or is disabled.`);
    const flowId = step.access.principal.kind === 'flow' ? step.access.principal.flowId : null;
    return { result: await this.runner.run(handler, step.access, { flow: { id: flowId, input: options.input ?? null } }) };
  }
}
