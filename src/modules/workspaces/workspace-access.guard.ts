import { applyDecorators, CanActivate, createParamDecorator, ExecutionContext, Injectable, SetMetadata, UseGuards } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ApiBearerAuth, ApiParam } from '@nestjs/swagger';
import { forbidden, invalidCredentials } from '../../common/errors/app-error';
import type { RequestWithPrincipal } from '../auth/principal';
import { hasRole, WorkspaceRole } from './workspace-roles';
import { WorkspaceAccess, WorkspacesService } from './workspaces.service';

const MINIMUM_ROLE = 'cairn:workspace-role';

interface RequestWithWorkspace extends RequestWithPrincipal {
  params: Record<string, string>;
  workspaceAccess?: WorkspaceAccess;
}

/** Resolves the `:ws` of the route to the caller's access there and checks the route's minimum role. */
@Injectable()
export class WorkspaceAccessGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly workspaces: WorkspacesService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const minimum = this.reflector.getAllAndOverride<WorkspaceRole>(MINIMUM_ROLE, [context.getHandler(), context.getClass()]);
    const request = context.switchToHttp().getRequest<RequestWithWorkspace>();
    if (!request.user) throw invalidCredentials('Authentication required.');
    const access = await this.workspaces.resolveAccess(request.user, request.params.ws);
    if (!hasRole(access.role, minimum)) throw forbidden(`This needs the ${minimum} role or higher in the workspace.`);
    request.workspaceAccess = access;
    return true;
  }
}

/** Declares the least workspace role a route needs; the route's path must have `:ws`. */
export function RequireWorkspaceRole(role: WorkspaceRole) {
  return applyDecorators(
    SetMetadata(MINIMUM_ROLE, role),
    UseGuards(WorkspaceAccessGuard),
    ApiBearerAuth(),
    ApiParam({ name: 'ws', description: 'Workspace slug or id' }),
  );
}

/** Injects the caller's access to the route's workspace, as resolved by the guard. */
export const CurrentWorkspace = createParamDecorator(
  (_: unknown, ctx: ExecutionContext): WorkspaceAccess => ctx.switchToHttp().getRequest<RequestWithWorkspace>().workspaceAccess!,
);
