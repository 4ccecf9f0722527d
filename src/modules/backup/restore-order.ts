import type { WorkspaceSchema } from '../schema/schema.types';

/** A collection's place in a backup: its turn, and the many-to-ones its rows cannot carry on insert. */
export interface CollectionTurn {
  collection: string;
  /**
   * Many-to-one fields whose related collection comes later or is this one (a cycle, a tree): their
   * values travel as links, set once every row exists.
   */
  deferred: string[];
}

/**
 * The collections in an order where every many-to-one's related rows are inserted before the rows
 * that refer to them (junctions after both sides). Where the relations make a cycle, the first
 * collection by name on the cycle goes next and its references to later ones are deferred, so
 * the order is the same for the same schema, on the backup and the restore side alike.
 */
export function dependencyOrder(schema: WorkspaceSchema): CollectionTurn[] {
  const needs = new Map<string, Map<string, string>>();
  for (const name of schema.collections.keys()) needs.set(name, new Map());
  for (const relation of schema.relations) {
    if (!needs.has(relation.collection) || !needs.has(relation.relatedCollection)) continue;
    needs.get(relation.collection)!.set(relation.field, relation.relatedCollection);
  }
  const placed = new Set<string>();
  const turns: CollectionTurn[] = [];
  const waiting = [...needs.keys()].sort();
  const ready = (name: string) => [...needs.get(name)!.values()].every((related) => related === name || placed.has(related));
  /** Whether `name` reaches itself through collections not placed yet: it is on a cycle. */
  const onCycle = (name: string) => {
    const seen = new Set<string>();
    const stack = [...needs.get(name)!.values()].filter((related) => related !== name && !placed.has(related));
    while (stack.length > 0) {
      const next = stack.pop()!;
      if (next === name) return true;
      if (seen.has(next)) continue;
      seen.add(next);
      stack.push(...[...needs.get(next)!.values()].filter((related) => !placed.has(related)));
    }
    return false;
  };
  while (waiting.length > 0) {
    const free = waiting.findIndex(ready);
    const index = free >= 0 ? free : Math.max(0, waiting.findIndex(onCycle));
    const [name] = waiting.splice(index, 1);
    const deferred = [...needs.get(name)!].filter(([, related]) => !placed.has(related)).map(([field]) => field).sort();
    placed.add(name);
    turns.push({ collection: name, deferred });
  }
  return turns;
}
