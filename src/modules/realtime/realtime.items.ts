import type { RequestOrigin } from '../audit/activity.recorder';
import { itemsOf } from '../data/items.commands';
import type { ItemsService } from '../data/items.service';
import type { ItemsAccess } from '../workspaces/workspaces.service';
import type { ItemsMessage } from './realtime.protocol';

/**
 * Runs an `items` message through the items door as the connection's caller, the way the REST route
 * of the same action runs it: policies, validation, hooks, activity and change events all apply, and
 * subscribers hear of a write as of a REST one. Answers the reply's `data`.
 */
export async function runItemsAction(items: ItemsService, access: ItemsAccess, message: ItemsMessage, origin: RequestOrigin): Promise<unknown> {
  const { collection, query } = message;
  switch (message.action) {
    case 'read':
      if (message.id !== null) return items.get(access, { collection, id: message.id, params: query });
      return (await items.list(access, { collection, params: query })).data;
    case 'create': {
      const given = itemsOf(message.data);
      const created = await items.create(access, { collection, ...given, fields: query.fields, origin });
      return given.batch ? created : (created[0] ?? null);
    }
    case 'update': {
      const updated = await items.update(access, { collection, keys: message.keys, values: message.data, fields: query.fields, origin });
      return 'id' in message.keys ? (updated[0] ?? null) : updated;
    }
    case 'delete':
      await items.delete(access, { collection, keys: message.keys, origin });
      return null;
  }
}
