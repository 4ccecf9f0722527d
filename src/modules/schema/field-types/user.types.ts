import type { FieldType } from './field-type';
import { uuidType } from './text.types';

/**
 * The user field types: a uuid column holding the id of one of the workspace's app users (`app_user`)
 * or members (`member`). The registry relates such a field to `cairn_users` (users.collection.ts), so it
 * expands like a many-to-one; the write path checks that the id names a person of that kind in the
 * workspace (data-users/user-fields.participant.ts). Its column is a uuid's, so it may become one.
 */
function userType(name: 'app_user' | 'member', who: string): FieldType {
  return {
    ...uuidType,
    name,
    widensTo: ['uuid', 'string', 'text'],
    openApi: () => ({ type: 'string', format: 'uuid', description: `The id of ${who} of the workspace.` }),
  };
}

export const appUserType = userType('app_user', 'an app user');
export const memberType = userType('member', 'a member');
