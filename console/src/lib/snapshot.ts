/** A dependant a deletion takes along, as the API lists it: a relation, a view, a policy, a flow… */
export interface Dependant {
  kind: string;
  on_force: string;
  [key: string]: string | null;
}

/** What a schema step would lose, as `POST /schema/diff {impact: true}` says it. */
export interface StepImpact {
  rows?: number;
  values?: number;
  loss?: string;
  dependants?: Dependant[];
}

/** One step of a plan as the API answers it. */
export type PlanStep = { action: string; impact?: StepImpact } & Record<string, unknown>;

const plural = (n: number, one: string, many = `${one}s`) => `${n.toLocaleString()} ${n === 1 ? one : many}`;

/** A dependant in words: `view "recent"`, `relation comments.post → posts`, `policy of "public" to read "posts"`. */
export function describeDependant(dependant: Dependant): string {
  if (dependant.kind === 'relation' || dependant.kind === 'junction') {
    return `${dependant.kind === 'junction' ? 'many-to-many through' : 'relation'} ${dependant.collection}.${dependant.field} → ${dependant.related_collection}`;
  }
  if (dependant.kind === 'policy') return `policy of "${dependant.role}" to ${dependant.action} "${dependant.collection}"`;
  return `${dependant.kind} "${dependant.name}"`;
}

/** What happens to a dependant when the step runs: a forced deletion settles it one of these ways. */
function fate(dependant: Dependant): string {
  switch (dependant.on_force) {
    case 'delete':
      return 'deleted';
    case 'disable':
      return 'disabled';
    case 'drop':
      return 'dropped';
    case 'remove_reference':
      return 'loses its reference to it';
    default:
      return dependant.on_force;
  }
}

/** The parts of the schema steps a description names (docs/API.md, "Schema: snapshot, diff, apply"). */
interface StepParts {
  collection: string;
  field: string;
  primary_key: string;
  fields: unknown[];
  to?: { type?: string };
  relation: { collection: string; field: string; related_collection: string; junction?: unknown };
  index: { name: string; fields: string[]; unique?: boolean };
  name: string;
}

/** A step in one line: what it does to what. */
export function describeStep(step: PlanStep): string {
  const s = step as unknown as StepParts & Record<string, unknown>;
  const added = step.field as { field: string; type: string };
  switch (step.action) {
    case 'create_collection':
      return `Create the collection ${s.collection} (${plural(s.fields.length, 'field')}, ${s.primary_key} key)`;
    case 'update_collection':
      return `Change the note of ${s.collection}`;
    case 'delete_collection':
      return `Delete the collection ${s.collection}`;
    case 'create_field':
      return `Add the field ${s.collection}.${added.field} (${added.type})`;
    case 'update_field':
      return `Change the field ${s.collection}.${s.field}${s.to?.type ? ` (${s.to.type})` : ''}`;
    case 'delete_field':
      return `Delete the field ${s.collection}.${s.field}`;
    case 'create_relation':
      return `Relate ${s.relation.collection}.${s.relation.field} → ${s.relation.related_collection}${s.relation.junction ? ' (many-to-many)' : ''}`;
    case 'delete_relation':
      return `Remove the relation of ${s.collection}.${s.field} (its values stay)`;
    case 'create_index':
      return `Create the ${s.index.unique ? 'unique ' : ''}index ${s.index.name} on ${s.collection} (${s.index.fields.join(', ')})`;
    case 'delete_index':
      return `Delete the index ${s.name} of ${s.collection}`;
  }
  const match = /^(create|update|delete)_(.+)$/.exec(step.action);
  if (match) {
    const [, kind, entry] = match;
    const verb = kind === 'create' ? 'Create' : kind === 'update' ? 'Update' : 'Delete';
    return `${verb} the ${entry} "${String(s[entry!])}"`;
  }
  return step.action;
}

/** What a step would lose or break, in words; empty when it loses nothing. */
export function lossesOf(step: PlanStep): string[] {
  const losses: string[] = [];
  const impact = step.impact;
  if (impact?.rows) losses.push(`its ${plural(impact.rows, 'row')}`);
  if (impact?.loss) losses.push(`${impact.loss}: ${plural(impact.values ?? 0, 'value')} held`);
  else if (impact?.values) losses.push(`${plural(impact.values, 'value')} (rows where it is not empty)`);
  for (const dependant of impact?.dependants ?? []) losses.push(`${describeDependant(dependant)}, ${fate(dependant)}`);
  const section = /^(delete|update)_(role|policy|handler|flow|webhook|view)$/.exec(step.action);
  if (section?.[1] === 'delete') losses.push(`the ${section[2]}'s definition`);
  if (section?.[1] === 'update') losses.push(`the ${section[2]}'s current definition, replaced`);
  return losses;
}

/**
 * Whether the API applies the step only when forced: deleting a collection that holds rows or that
 * something depends on, and a field change that could lose values. (Deleting a field loses its values
 * without forcing, as `DELETE /fields` does; the plan shows them all the same.)
 */
export function needsForce(step: PlanStep): boolean {
  const impact = step.impact;
  return Boolean(impact && ((impact.rows ?? 0) > 0 || impact.loss || (impact.dependants?.length ?? 0) > 0));
}
