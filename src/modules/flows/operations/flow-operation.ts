import { invalidPayload } from '../../../common/errors/app-error';
import type { RequestOrigin } from '../../audit/activity.recorder';
import type { WorkspaceSchema } from '../../schema/schema.types';
import type { WorkspaceAccess } from '../../workspaces/workspaces.service';
import { checkTemplates, TemplateError } from '../flow-templates';

export type OperationOptions = Record<string, unknown>;

/** What an operation's options are checked against when a flow is saved. */
export interface OptionsCheck {
  schema: WorkspaceSchema;
  /** Where the options are in the request body (`operations.2.options`), for the errors' `field`. */
  field: string;
}

/** What an operation runs with. */
export interface StepContext {
  /** The flow's own access: the admin role of its workspace, as the flow principal. */
  access: WorkspaceAccess;
  /** How the flow's item changes appear in the activity log. */
  origin: RequestOrigin;
  /** `$trigger`, `$last` and each earlier step's result under its key. */
  data: Record<string, unknown>;
}

/** What a step gave: its result (what `$last` and its key hold next), and for a condition the branch. */
export interface StepOutcome {
  result: unknown;
  branch?: 'next' | 'otherwise';
}

/**
 * One type of flow operation. `check` refuses bad options when a flow is saved (400 naming the
 * option); `run` gets the options with their templates resolved, and throws to fail the step.
 */
export interface FlowOperation {
  readonly type: string;
  check(options: OperationOptions, context: OptionsCheck): void;
  run(options: OperationOptions, step: StepContext): Promise<StepOutcome>;
}

/** Refuses options the operation does not know, and any template that cannot be read. */
export function checkKnownOptions(options: OperationOptions, known: readonly string[], field: string): void {
  const unknown = Object.keys(options).find((key) => !known.includes(key));
  if (unknown !== undefined) throw invalidPayload(`Invalid payload: unknown option "${unknown}"; this operation takes ${known.join(', ')}.`, `${field}.${unknown}`);
  try {
    checkTemplates(options);
  } catch (error) {
    if (error instanceof TemplateError) throw invalidPayload(`Invalid payload: ${error.message}`, field);
    throw error;
  }
}

/** Requires a collection that exists: the one option that may not be a template, since it names a table. */
export function checkCollection(options: OperationOptions, context: OptionsCheck): void {
  const { collection } = options;
  if (typeof collection !== 'string' || !context.schema.collections.has(collection)) {
    throw invalidPayload(`Invalid payload: "collection" must name a collection of the workspace${typeof collection === 'string' ? `; "${collection}" does not exist` : ''}.`, `${context.field}.collection`);
  }
}

/** Requires an item key: a string or number, or a template giving one (or a list of them). */
export function checkKey(options: OperationOptions, context: OptionsCheck): void {
  const { key } = options;
  const isKey = (value: unknown) => typeof value === 'string' || typeof value === 'number';
  if (!(isKey(key) || (Array.isArray(key) && key.length > 0 && key.every(isKey)))) {
    throw invalidPayload('Invalid payload: "key" must be an item key, a list of keys, or a template such as "{{ $trigger.keys[0] }}".', `${context.field}.key`);
  }
}
