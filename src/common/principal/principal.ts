import { createParamDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';

/**
 * A member's role in a workspace, from most to least powerful: declared with the principal, which
 * carries one for an API key; what each role may do is the workspaces module's (workspace-roles.ts).
 */
export type WorkspaceRole = 'owner' | 'admin' | 'editor' | 'viewer';

/**
 * Who is calling: a signed-in platform account, an API key acting with its role in one workspace, or
 * an app user: an end user of the app built on one workspace, acting with its app role there. A flow
 * is the one principal no request carries: the flow runner acts as it, with the admin role of its
 * workspace, so that the activity log names the flow as the author of its changes. `depth` counts the
 * flows that led to this run, to bound flows that trigger one another.
 */
export type Principal =
  | { kind: 'user'; userId: string; email: string; isSuperadmin: boolean }
  | { kind: 'api_key'; apiKeyId: string; workspaceId: string; role: WorkspaceRole }
  | { kind: 'app_user'; appUserId: string; workspaceId: string; role: string; email: string; emailVerified: boolean }
  | { kind: 'flow'; flowId: string; workspaceId: string; depth: number };

export type UserPrincipal = Extract<Principal, { kind: 'user' }>;
export type AppUserPrincipal = Extract<Principal, { kind: 'app_user' }>;
export type FlowPrincipal = Extract<Principal, { kind: 'flow' }>;

/** The id recorded as the actor of a change: the account's, the app user's or the API key's. */
export function actorId(principal: Principal): string {
  switch (principal.kind) {
    case 'user':
      return principal.userId;
    case 'api_key':
      return principal.apiKeyId;
    case 'app_user':
      return principal.appUserId;
    case 'flow':
      return principal.flowId;
  }
}

/** The person behind a principal, for `created_by`, `updated_by` and `$CURRENT_USER`; none for an API key or a flow. */
export function personId(principal: Principal): string | null {
  return principal.kind === 'api_key' || principal.kind === 'flow' ? null : actorId(principal);
}

const IS_PUBLIC = 'cairn:public';
const SUPERADMIN_ONLY = 'cairn:superadmin-only';
const USER_ONLY = 'cairn:user-only';
const OPTIONAL_AUTH = 'cairn:optional-auth';

/** Marks a route that anyone may call; a valid token, when given, still identifies the caller. */
export const Public = () => SetMetadata(IS_PUBLIC, true);
/** Marks a route only the instance's superadmin may call. */
export const SuperadminOnly = () => SetMetadata(SUPERADMIN_ONLY, true);
/** Marks a route that needs a signed-in account: API keys are refused. */
export const UserOnly = () => SetMetadata(USER_ONLY, true);

/**
 * Marks a route that anonymous callers may reach (their access is decided further on, by policies);
 * unlike @Public, a credential that is given must be valid.
 */
export const OptionalAuth = () => SetMetadata(OPTIONAL_AUTH, true);

export const ACCESS_METADATA = { IS_PUBLIC, SUPERADMIN_ONLY, USER_ONLY, OPTIONAL_AUTH } as const;

/** The request property where the guard leaves the principal. */
export interface RequestWithPrincipal {
  user?: Principal;
}

/** Injects the caller's principal (undefined on a public route called anonymously). */
export const CurrentPrincipal = createParamDecorator((_: unknown, ctx: ExecutionContext) => ctx.switchToHttp().getRequest<RequestWithPrincipal>().user);
