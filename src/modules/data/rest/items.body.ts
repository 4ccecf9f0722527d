import type { ItemKeys, UpdateSelection } from '../items.commands';

/**
 * REST's request bodies as the items door's commands: the shapes a client may send (a list, or an
 * object with `keys` and `data`) told apart here, their contents checked by the door.
 */

/** `PATCH /items/{collection}`: an array of items each with its key, or `{"keys": [...], "data": {...}}`. */
export function updateSelection(body: unknown): UpdateSelection {
  if (Array.isArray(body)) return { each: body };
  const { keys, data } = (body ?? {}) as { keys?: unknown; data?: unknown };
  return { keys: { keys }, values: data };
}

/** `DELETE /items/{collection}`: an array of keys, or `{"keys": [...]}`. */
export function deleteKeys(body: unknown): ItemKeys {
  return { keys: Array.isArray(body) ? body : (body as { keys?: unknown } | null)?.keys };
}
