import { invalidPayload, notFound } from '../../common/errors/app-error';
import { INTEGER_RANGES } from '../schema/field-types';
import { primaryKeyField } from '../schema/schema.lookup';
import type { CollectionDef } from '../schema/schema.types';
import type { ItemKeys } from './items.commands';

/** A key in the primary key's type, or undefined when it cannot be one (an integer key has 32 bits). */
function parseKey(collection: CollectionDef, raw: unknown): unknown {
  if (primaryKeyField(collection).type === 'integer') {
    const number = typeof raw === 'number' ? raw : typeof raw === 'string' && /^\d{1,15}$/.test(raw) ? Number(raw) : NaN;
    return Number.isSafeInteger(number) && number > 0 && number <= Number(INTEGER_RANGES.integer.max) ? number : undefined;
  }
  return typeof raw === 'string' && /^[0-9a-f-]{36}$/i.test(raw) ? raw.toLowerCase() : undefined;
}

/** The key an id of a path names: one that can be no key is as good as a missing item (404). */
export function keyFromPath(collection: CollectionDef, id: string): unknown {
  const key = parseKey(collection, id);
  if (key === undefined) throw notFound('Item not found.');
  return key;
}

/** A key given in a body: one that can be no key is a bad payload (400), named by `where`. */
export function keyFromBody(collection: CollectionDef, id: unknown, where: string): unknown {
  const key = parseKey(collection, id);
  // JSON.stringify, not String: an object such as {"toString": ""} can not be turned into a string.
  if (key === undefined) throw invalidPayload(`Invalid payload: ${typeof id === 'string' ? `"${id}"` : JSON.stringify(id)} is not a valid key.`, where);
  return key;
}

/** The keys a write names, in the primary key's type; a list holds at most `max`. */
export function keysOf(collection: CollectionDef, named: ItemKeys, max: number): unknown[] {
  if ('id' in named) return [keyFromPath(collection, named.id)];
  const { keys } = named;
  if (!Array.isArray(keys) || keys.length === 0) throw invalidPayload('Invalid payload: "keys" must be a non-empty list of keys.', 'keys');
  if (keys.length > max) throw invalidPayload(`Invalid payload: at most ${max} keys at once.`, 'keys');
  return keys.map((key, index) => keyFromBody(collection, key, `keys.${index}`));
}
