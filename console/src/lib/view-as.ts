import { queryString, type Query } from '../api/client';

/** A principal the explorer can view a collection as, as `POST /explain` names it. */
export type ViewAs = { member_role: string } | { app_role: string } | { app_user: string } | { api_key: string } | { anonymous: true };

export type ViewAsKind = 'member_role' | 'app_role' | 'app_user' | 'api_key' | 'anonymous';

export const VIEW_AS_KINDS: Array<{ id: ViewAsKind; label: string }> = [
  { id: 'member_role', label: 'Member role' },
  { id: 'app_role', label: 'App role' },
  { id: 'app_user', label: 'App user' },
  { id: 'api_key', label: 'API key' },
  { id: 'anonymous', label: 'Anonymous' },
];

/** The principal in the address: `kind:value` (`app_user:<id>`), or `anonymous`; anything else is none. */
export function parseViewAs(text: string | undefined): ViewAs | null {
  if (!text) return null;
  if (text === 'anonymous') return { anonymous: true };
  const colon = text.indexOf(':');
  if (colon < 0) return null;
  const kind = text.slice(0, colon);
  const value = text.slice(colon + 1);
  if (!value) return null;
  switch (kind) {
    case 'member_role':
      return { member_role: value };
    case 'app_role':
      return { app_role: value };
    case 'app_user':
      return { app_user: value };
    case 'api_key':
      return { api_key: value };
    default:
      return null;
  }
}

export function formatViewAs(as: ViewAs): string {
  if ('anonymous' in as) return 'anonymous';
  const [kind, value] = Object.entries(as)[0] as [string, string];
  return `${kind}:${value}`;
}

/** How the principal's own request would be authorized, in words for the API preview. */
function authorizationOf(as: ViewAs): string | null {
  if ('anonymous' in as) return null;
  if ('api_key' in as) return 'Authorization: Bearer <the API key>';
  if ('app_user' in as) return "Authorization: Bearer <the app user's access token>";
  if ('app_role' in as) return `Authorization: Bearer <an access token of an app user with the role ${as.app_role}>`;
  return `Authorization: Bearer <the access token of a member with the role ${as.member_role}>`;
}

/** The request the principal would send for what the explorer shows: method, path with its query, and its header. */
export function apiPreview(as: ViewAs, ws: string, collection: string, query: Query, id?: string): string {
  const path = `/api/v1/w/${ws}/items/${collection}${id === undefined ? '' : `/${encodeURIComponent(id)}`}`;
  const request = `GET ${path}${queryString(query)}`;
  const authorization = authorizationOf(as);
  return authorization ? `${request}\n${authorization}` : `${request}\n(no Authorization header)`;
}
