/** The audience of platform access tokens; workspace app users get `cairn:ws:<id>`. */
export const PLATFORM_AUDIENCE = 'cairn:platform';
/** The realm under which platform refresh tokens are stored. */
export const PLATFORM_REALM = 'platform';
/** The one algorithm access tokens are signed and verified with; `none` and others are refused. */
export const ACCESS_TOKEN_ALGORITHM = 'HS256';
/** The cookie that carries the refresh token in cookie mode. */
export const REFRESH_COOKIE = 'cairn_refresh_token';
/** Prefix of API keys, so the guard can tell them from JWTs without a lookup. */
export const API_KEY_PREFIX = 'cairn_';

/** The audience of a workspace's app-user access tokens. */
export const appUserAudience = (workspaceId: string) => `cairn:ws:${workspaceId}`;
/** Matches an app-user audience and captures its workspace id. */
export const APP_USER_AUDIENCE = /^cairn:ws:([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;
/** The realm under which a workspace's app-user refresh tokens are stored. */
export const appUserRealm = (workspaceId: string) => `ws:${workspaceId}`;
