import { Injectable } from '@nestjs/common';
import type { FlowsConfig } from '../../config/app-config';
import { InjectConfig } from '../../config/config.module';
import type { RequestOrigin } from '../audit/activity.recorder';
import { WorkspacesService } from '../workspaces/workspaces.service';
import type { FlowOperationDef } from './flow-definition';
import type { FlowEntity, FlowRunEntity, FlowRunStatus } from './flow.entities';
import { renderTemplates } from './flow-templates';
import type { TriggerData } from './flow-triggers';
import { FlowOperations } from './operations';

/** One step of a run as it is recorded. */
export interface StepRecord {
  key: string;
  type: string;
  status: 'succeeded' | 'failed';
  /** The options as the step ran with them, templates resolved; absent when they could not be resolved. */
  input?: unknown;
  result?: unknown;
  error?: string;
  duration_ms: number;
}

export interface RunOutcome {
  status: Extract<FlowRunStatus, 'succeeded' | 'failed'>;
  steps: StepRecord[];
  error: string | null;
}

/** How much of a step's result the run's record keeps; later steps still get the whole of it. */
const RECORDED_RESULT_CHARS = 16 * 1024;
/** Flows' item changes have no client: the activity log shows the flow as actor and this agent. */
const FLOW_ORIGIN: RequestOrigin = { ip: null, userAgent: 'Cairn-Flows' };

/**
 * Runs a flow's operations for one run: from `first`, along `next` (or a condition's `otherwise`),
 * each with its options' templates resolved over `{$trigger, $last, <earlier step keys>}`, each
 * step's result kept under its key. Item operations act as the flow (admin role, flow principal). The
 * first step that fails ends the run as failed; there are no retries.
 */
@Injectable()
export class FlowExecutor {
  constructor(
    private readonly operations: FlowOperations,
    private readonly workspaces: WorkspacesService,
    @InjectConfig('flows') private readonly config: FlowsConfig,
  ) {}

  /** Runs the steps; `progress` is told after each, so the record grows as the run goes. */
  async execute(flow: FlowEntity, run: FlowRunEntity, progress: (steps: StepRecord[]) => Promise<void>): Promise<RunOutcome> {
    const steps: StepRecord[] = [];
    const workspace = await this.workspaces.findByRef(flow.workspaceId);
    if (!workspace) return { status: 'failed', steps, error: 'The workspace no longer exists.' };
    const trigger = JSON.parse(run.triggerData) as TriggerData;
    const access = { workspace, role: 'admin' as const, principal: { kind: 'flow' as const, flowId: flow.id, workspaceId: flow.workspaceId, depth: trigger.depth ?? 0 } };
    const byKey = new Map((JSON.parse(flow.operations) as FlowOperationDef[]).map((operation) => [operation.key, operation]));
    // $NOW: the run's time, one for all its steps, so that its templates agree with each other.
    const data: Record<string, unknown> = { $trigger: trigger, $last: null, $NOW: new Date().toISOString() };

    let key: string | null = flow.firstOperation;
    while (key !== null) {
      const operation = byKey.get(key);
      // The graph was checked when saved; a bound all the same, since a run must end.
      if (!operation || steps.length >= this.config.maxSteps) return { status: 'failed', steps, error: `The flow cannot go on at "${key}".` };
      const type = this.operations.get(operation.type);
      const started = performance.now();
      let input: Record<string, unknown> | undefined;
      try {
        if (!type) throw new Error(`"${operation.type}" is not an operation type of this server.`);
        input = renderTemplates(operation.options, data) as Record<string, unknown>;
        const outcome = await type.run(input, { access, origin: FLOW_ORIGIN, data });
        data[operation.key] = outcome.result;
        data.$last = outcome.result;
        steps.push({ key: operation.key, type: operation.type, status: 'succeeded', input: recorded(input), result: recorded(outcome.result), duration_ms: elapsed(started) });
        key = outcome.branch === 'otherwise' ? operation.otherwise : operation.next;
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        steps.push({ key: operation.key, type: operation.type, status: 'failed', ...(input === undefined ? {} : { input: recorded(input) }), error: message, duration_ms: elapsed(started) });
        return { status: 'failed', steps, error: `Step "${operation.key}" failed: ${message}` };
      }
      await progress(steps);
    }
    return { status: 'succeeded', steps, error: null };
  }
}

function elapsed(started: number): number {
  return Math.round(performance.now() - started);
}

/** A result as the record keeps it: whole when small, else an excerpt of its JSON. */
function recorded(result: unknown): unknown {
  const json = JSON.stringify(result ?? null);
  if (json.length <= RECORDED_RESULT_CHARS) return result ?? null;
  return { truncated: true, excerpt: json.slice(0, RECORDED_RESULT_CHARS) };
}
