import { applyDecorators, CanActivate, createParamDecorator, ExecutionContext, Injectable, SetMetadata, UseGuards } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ApiBearerAuth, ApiParam } from '@nestjs/swagger';
import { invalidCredentials } from '../../common/errors/app-error';
import { OptionalAuth, RequestWithPrincipal } from '../../common/principal/principal';
import { assertRole, WorkspaceRole } from './workspace-roles';
import { isAppRoleAccess, ItemsAccess, WorkspaceAccess, WorkspacesService } from './workspaces.service';

const MINIMUM_ROLE = 'cairn:workspace-role';
const APP_ROLES = 'cairn:app-roles';

interface RequestWithWorkspace extends RequestWithPrincipal {
  params: Record<string, string>;
  workspaceAccess?: ItemsAccess;
}

/** What a route declares with RequireWorkspaceRole. */
interface DeclaredRole {
  minimum: WorkspaceRole;
  byPolicy: boolean;
}

/** Resolves the `:ws` of the route to the caller's access there and checks the route's minimum role. */
@Injectable()
export class WorkspaceAccessGuard implements CanActivate {
  /** Per route handler, read from its decorators once: the guard runs on every request. */
  private readonly declared = new WeakMap<object, DeclaredRole>();

  constructor(
    private readonly reflector: Reflector,
    private readonly workspaces: WorkspacesService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const { minimum, byPolicy } = this.declaredRole(context);
    const request = context.switchToHttp().getRequest<RequestWithWorkspace>();
    const principal = request.user;
    let access: ItemsAccess;
    if (byPolicy) {
      access = await this.workspaces.resolveItemsAccess(principal ?? null, request.params.ws);
    } else {
      if (!principal) throw invalidCredentials('Authentication required.');
      access = await this.workspaces.resolveAccess(principal, request.params.ws);
    }
    if (!isAppRoleAccess(access)) assertRole(access.role, minimum);
    request.workspaceAccess = access;
    return true;
  }

  private declaredRole(context: ExecutionContext): DeclaredRole {
    const handler = context.getHandler();
    let declared = this.declared.get(handler);
    if (!declared) {
      const targets = [handler, context.getClass()];
      declared = {
        minimum: this.reflector.getAllAndOverride<WorkspaceRole>(MINIMUM_ROLE, targets),
        byPolicy: this.reflector.getAllAndOverride<boolean | undefined>(APP_ROLES, targets) === true,
      };
      this.declared.set(handler, declared);
    }
    return declared;
  }
}

/**
 * Declares the least workspace role a route needs; the route's path must have `:ws`. With
 * `appRoles`, app users and anonymous callers get through too, with their app role, for the route's
 * door to decide by policies; such routes let every member in (`viewer`), and the door holds members to
 * what their role may do with the data too (see `memberMay`).
 */
export function RequireWorkspaceRole(role: WorkspaceRole, options: { appRoles?: boolean } = {}) {
  return applyDecorators(
    ...(options.appRoles ? [SetMetadata(APP_ROLES, true), OptionalAuth()] : []),
    SetMetadata(MINIMUM_ROLE, role),
    UseGuards(WorkspaceAccessGuard),
    ApiBearerAuth(),
    ApiParam({ name: 'ws', description: 'Workspace slug or id' }),
  );
}

/** Injects the caller's access to the route's workspace, as resolved by the guard. */
export const CurrentWorkspace = createParamDecorator(
  // Routes without `appRoles` only ever see member access.
  (_: unknown, ctx: ExecutionContext): WorkspaceAccess => ctx.switchToHttp().getRequest<RequestWithWorkspace>().workspaceAccess as WorkspaceAccess,
);
