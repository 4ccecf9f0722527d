import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { Clock } from '../../common/clock/clock';
import { AppError, invalidPayload, notFound } from '../../common/errors/app-error';
import type { SsoConfig } from '../../config/app-config';
import { InjectConfig } from '../../config/config.module';
import { OidcClient, ProviderSettings } from './oidc-client';
import { PutWorkspaceSsoDto, WorkspaceSsoDto } from './sso.dto';
import { WorkspaceProviderEntity } from './workspace-provider.entity';

/** A provider with the rules of the sign-ins it serves. */
export interface SignInProvider extends ProviderSettings {
  allowSignup: boolean;
  returnUrls: string[];
}

/** Each workspace's OpenID Connect provider for its app users: its settings, read and written by owners and admins. */
@Injectable()
export class WorkspaceSsoService {
  constructor(
    @InjectRepository(WorkspaceProviderEntity) private readonly providers: Repository<WorkspaceProviderEntity>,
    private readonly oidc: OidcClient,
    private readonly clock: Clock,
    @InjectConfig('sso') private readonly config: SsoConfig,
  ) {}

  /** The workspace's provider, or null when it has none (a state of the settings, not a missing resource). */
  async get(workspaceId: string): Promise<WorkspaceSsoDto | null> {
    const stored = await this.providers.findOneBy({ workspaceId });
    return stored ? this.toDto(stored) : null;
  }

  /**
   * Saves the workspace's provider, after discovering it (so a wrong issuer is said now, not at the first
   * sign-in). An omitted client secret keeps the stored one.
   */
  async put(workspaceId: string, input: PutWorkspaceSsoDto, by: string | null): Promise<WorkspaceSsoDto> {
    const stored = await this.providers.findOneBy({ workspaceId });
    const clientSecret = input.client_secret === undefined ? (stored?.clientSecret ?? null) : input.client_secret;
    await this.oidc.check({ issuer: input.issuer, clientId: input.client_id, clientSecret, redirectUrl: this.redirectUrl(workspaceId) }).catch((error: unknown) => {
      // When saving, an issuer that cannot be discovered is the input's fault, said at the field.
      if (error instanceof AppError && error.code === 'SERVICE_UNAVAILABLE') throw invalidPayload(error.message, 'issuer');
      throw error;
    });
    const entity = Object.assign(new WorkspaceProviderEntity(), {
      workspaceId,
      issuer: input.issuer,
      clientId: input.client_id,
      clientSecret,
      enabled: input.enabled ?? stored?.enabled ?? true,
      allowSignup: input.allow_signup ?? stored?.allowSignup ?? false,
      returnUrls: JSON.stringify(input.return_urls),
      updatedBy: by,
      updatedAt: this.clock.date(),
    });
    await this.providers.save(entity);
    return this.toDto(entity);
  }

  async remove(workspaceId: string): Promise<void> {
    const deleted = await this.providers.delete({ workspaceId });
    if (!deleted.affected) throw notFound('Single sign-on is not configured for this workspace.');
  }

  /** The enabled provider of a workspace, with its secret, for the sign-in flow; null when there is none. */
  async providerFor(workspaceId: string): Promise<SignInProvider | null> {
    const stored = await this.providers.findOneBy({ workspaceId });
    if (!stored?.enabled) return null;
    return {
      issuer: stored.issuer,
      clientId: stored.clientId,
      clientSecret: stored.clientSecret,
      redirectUrl: this.redirectUrl(workspaceId),
      allowSignup: stored.allowSignup,
      returnUrls: JSON.parse(stored.returnUrls) as string[],
    };
  }

  /** The callback of a workspace's sign-ins, by the workspace's id (which a rename does not change). */
  redirectUrl(workspaceId: string): string {
    return `${this.config.publicUrl}/api/v1/w/${workspaceId}/auth/oidc/callback`;
  }

  loginUrl(workspaceId: string): string {
    return `${this.config.publicUrl}/api/v1/w/${workspaceId}/auth/oidc/login`;
  }

  private toDto(stored: WorkspaceProviderEntity): WorkspaceSsoDto {
    return {
      issuer: stored.issuer,
      client_id: stored.clientId,
      client_secret_set: stored.clientSecret !== null,
      enabled: stored.enabled,
      allow_signup: stored.allowSignup,
      return_urls: JSON.parse(stored.returnUrls) as string[],
      redirect_url: this.redirectUrl(stored.workspaceId),
      login_url: this.loginUrl(stored.workspaceId),
      updated_at: stored.updatedAt.toISOString(),
    };
  }
}
