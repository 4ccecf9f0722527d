import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { forbidden, invalidCredentials, invalidToken } from '../../common/errors/app-error';
import { WorkspacesService } from '../workspaces/workspaces.service';
import { BearerCredentials } from './bearer-credentials';
import { requestToken } from './request-credential';
import { ACCESS_METADATA, AppUserPrincipal, Principal, RequestWithPrincipal } from '../../common/principal/principal';

/** The routes of the workspace plane, the only ones an app user's token is valid on. */
const WORKSPACE_PLANE_ROUTE = /^\/api\/v1\/w\/:ws(\/|$)/;

/**
 * The global guard: turns the bearer credential into a Principal on request.user, then applies the
 * route's declared access (@Public, @UserOnly, @SuperadminOnly). An app user's token is valid only on the
 * workspace plane of its own workspace: anywhere else it is an invalid credential, checked here so no
 * route can forget it.
 */
interface DeclaredAccess {
  isPublic: boolean;
  optionalAuth: boolean;
  userOnly: boolean;
  superadminOnly: boolean;
}

@Injectable()
export class PrincipalGuard implements CanActivate {
  private readonly accessByRoute = new WeakMap<object, WeakMap<object, DeclaredAccess>>();

  constructor(
    private readonly reflector: Reflector,
    private readonly credentials: BearerCredentials,
    private readonly workspaces: WorkspacesService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const access = this.declaredAccess(context);
    const request = context.switchToHttp().getRequest<FastifyRequest & RequestWithPrincipal>();
    const isPublic = access.isPublic;
    let principal: Principal | null;
    try {
      principal = await this.authenticate(request);
    } catch (error) {
      // On a public route a bad credential, malformed ones included, only means the caller is anonymous.
      if (isPublic) return true;
      throw error;
    }
    if (!principal) {
      if (isPublic || access.optionalAuth) return true;
      throw invalidCredentials('Authentication required.');
    }
    request.user = principal;

    if (access.superadminOnly && !(principal.kind === 'user' && principal.isSuperadmin)) {
      throw forbidden('Only the instance superadmin may do this.');
    }
    if (access.userOnly && principal.kind !== 'user') {
      throw forbidden('This route needs a signed-in account; API keys cannot use it.');
    }
    return true;
  }

  /** The principal of the request's credential; null when it gives none. */
  private async authenticate(request: FastifyRequest): Promise<Principal | null> {
    const token = requestToken(request);
    if (token === null) return null;
    const principal = await this.credentials.authenticate(token);
    if (principal.kind === 'app_user') await this.checkAppUserRealm(principal, request);
    return principal;
  }

  private async checkAppUserRealm(principal: AppUserPrincipal, request: FastifyRequest): Promise<void> {
    const route = request.routeOptions.url ?? '';
    const ref = (request.params as Record<string, string | undefined>).ws;
    if (!WORKSPACE_PLANE_ROUTE.test(route) || !ref) throw invalidToken('This token is not valid here.');
    const workspace = await this.workspaces.findByRef(ref);
    if (!workspace || workspace.id !== principal.workspaceId) throw invalidToken('This token is not valid for this workspace.');
  }

  /** A route's declared access, read from its decorators once: it runs on every request. */
  private declaredAccess(context: ExecutionContext): DeclaredAccess {
    const [handler, controller] = [context.getHandler(), context.getClass()];
    let byHandler = this.accessByRoute.get(controller);
    if (!byHandler) this.accessByRoute.set(controller, (byHandler = new WeakMap()));
    let access = byHandler.get(handler);
    if (!access) {
      const flag = (key: string) => this.reflector.getAllAndOverride<boolean | undefined>(key, [handler, controller]) === true;
      access = { isPublic: flag(ACCESS_METADATA.IS_PUBLIC), optionalAuth: flag(ACCESS_METADATA.OPTIONAL_AUTH), userOnly: flag(ACCESS_METADATA.USER_ONLY), superadminOnly: flag(ACCESS_METADATA.SUPERADMIN_ONLY) };
      byHandler.set(handler, access);
    }
    return access;
  }
}
