import type { SampleItem } from './template.types';

/**
 * A sample item's data with every `{"$ref": name}` replaced by the key of the item created under that
 * name. A reference to an item not yet created is a mistake in the template, not in a request.
 */
export function resolveSampleRefs(item: SampleItem, keys: ReadonlyMap<string, unknown>): Record<string, unknown> {
  const resolve = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(resolve);
    if (typeof value !== 'object' || value === null) return value;
    const entries = Object.entries(value);
    if (entries.length === 1 && entries[0][0] === '$ref') {
      const name = String(entries[0][1]);
      if (!keys.has(name)) throw new Error(`A sample item of "${item.collection}" refers to "${name}", which no earlier sample item is.`);
      return keys.get(name);
    }
    return Object.fromEntries(entries.map(([key, inner]) => [key, resolve(inner)]));
  };
  return resolve(item.data) as Record<string, unknown>;
}
