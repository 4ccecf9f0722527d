import { createParamDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';
import type { WorkspaceRole } from '../workspaces/workspace-roles';

/** Who is calling: a signed-in platform account, or an API key acting with its role in one workspace. */
export type Principal =
  | { kind: 'user'; userId: string; email: string; isSuperadmin: boolean }
  | { kind: 'api_key'; apiKeyId: string; workspaceId: string; role: WorkspaceRole };

export type UserPrincipal = Extract<Principal, { kind: 'user' }>;

const IS_PUBLIC = 'cairn:public';
const SUPERADMIN_ONLY = 'cairn:superadmin-only';
const USER_ONLY = 'cairn:user-only';

/** Marks a route that anyone may call; a valid token, when given, still identifies the caller. */
export const Public = () => SetMetadata(IS_PUBLIC, true);
/** Marks a route only the instance's superadmin may call. */
export const SuperadminOnly = () => SetMetadata(SUPERADMIN_ONLY, true);
/** Marks a route that needs a signed-in account: API keys are refused. */
export const UserOnly = () => SetMetadata(USER_ONLY, true);

export const ACCESS_METADATA = { IS_PUBLIC, SUPERADMIN_ONLY, USER_ONLY } as const;

/** The request property where the guard leaves the principal. */
export interface RequestWithPrincipal {
  user?: Principal;
}

/** Injects the caller's principal (undefined on a public route called anonymously). */
export const CurrentPrincipal = createParamDecorator((_: unknown, ctx: ExecutionContext) => ctx.switchToHttp().getRequest<RequestWithPrincipal>().user);
