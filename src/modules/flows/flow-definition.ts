import { Cron } from 'croner';
import { invalidPayload } from '../../common/errors/app-error';
import type { ItemAction } from '../audit/activity.recorder';

/** What starts a flow: a change of items (optionally only of items matching a filter), a schedule, or a call. */
export type FlowTrigger =
  | {
      type: 'event';
      collections: string[];
      events: ItemAction[];
      /** A filter the item must match as written (on a delete, as it was). */
      filter: Record<string, unknown> | null;
      /** Update triggers only: a filter the item must have matched before the update (absent: none). */
      before_filter?: Record<string, unknown>;
    }
  | { type: 'schedule'; cron: string }
  | { type: 'manual' };

/** One operation of a flow, and where the run goes after it. */
export interface FlowOperationDef {
  key: string;
  type: string;
  options: Record<string, unknown>;
  next: string | null;
  /** Where a condition that does not hold goes; conditions only. */
  otherwise: string | null;
}

export const FLOW_EVENTS: readonly ItemAction[] = ['create', 'update', 'delete'];

/** A step's key: what templates name it by (`{{ key.field }}`), so a plain identifier. */
export const OPERATION_KEY = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

/**
 * Refuses (400, naming the field) an operation graph that cannot run: duplicate keys, references to
 * keys that do not exist, `otherwise` outside a condition, a cycle, more operations than allowed.
 * Once checked, every run ends after at most as many steps as there are operations.
 */
export function checkOperationGraph(operations: FlowOperationDef[], first: string, maxSteps: number): void {
  if (operations.length === 0) throw invalidPayload('Invalid payload: a flow needs at least one operation.', 'operations');
  if (operations.length > maxSteps) throw invalidPayload(`Invalid payload: a flow may hold at most ${maxSteps} operations.`, 'operations');
  const byKey = new Map<string, FlowOperationDef>();
  operations.forEach((operation, index) => {
    if (byKey.has(operation.key)) throw invalidPayload(`Invalid payload: the operation key "${operation.key}" is used twice.`, `operations.${index}.key`);
    byKey.set(operation.key, operation);
  });
  if (!byKey.has(first)) throw invalidPayload(`Invalid payload: "first" names "${first}", which is not an operation's key.`, 'first');
  operations.forEach((operation, index) => {
    for (const link of ['next', 'otherwise'] as const) {
      const target = operation[link];
      if (target !== null && !byKey.has(target)) throw invalidPayload(`Invalid payload: operation "${operation.key}" goes ${link} to "${target}", which is not an operation's key.`, `operations.${index}.${link}`);
    }
    if (operation.otherwise !== null && operation.type !== 'condition') throw invalidPayload(`Invalid payload: only a condition has "otherwise" (operation "${operation.key}").`, `operations.${index}.otherwise`);
  });
  const cycle = findCycle(byKey);
  if (cycle) throw invalidPayload(`Invalid payload: the operations loop (${cycle.join(' → ')}); a flow must end.`, 'operations');
}

/** A path that comes back to where it started, or null: a depth-first walk along next and otherwise. */
function findCycle(byKey: Map<string, FlowOperationDef>): string[] | null {
  const done = new Set<string>();
  const walk = (key: string, path: string[]): string[] | null => {
    if (path.includes(key)) return [...path.slice(path.indexOf(key)), key];
    if (done.has(key)) return null;
    const operation = byKey.get(key)!;
    for (const next of [operation.next, operation.otherwise]) {
      if (next === null) continue;
      const cycle = walk(next, [...path, key]);
      if (cycle) return cycle;
    }
    done.add(key);
    return null;
  };
  for (const key of byKey.keys()) {
    const cycle = walk(key, []);
    if (cycle) return cycle;
  }
  return null;
}

/**
 * A schedule's cron pattern, with an optional seconds field (five or six fields, or a nickname such as
 * `@hourly`), in UTC, so that every instance computes the same ticks. Throws a 400 when it is not one.
 */
export function scheduleOf(pattern: string): Cron {
  try {
    return new Cron(pattern, { paused: true, timezone: 'Etc/UTC', mode: '5-or-6-parts' });
  } catch (error) {
    throw invalidPayload(`Invalid payload: "${pattern}" is not a cron pattern: ${(error as Error).message}`, 'trigger.cron');
  }
}
