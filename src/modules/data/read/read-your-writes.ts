import { Inject, Injectable, Logger } from '@nestjs/common';
import { KEY_VALUE_CACHE, type KeyValueCache } from '../../../common/bus/bus';
import type { ReadFrom } from '../../../common/database/database.service';
import type { DatabaseConfig } from '../../../config/app-config';
import { InjectConfig } from '../../../config/config.module';
import type { ItemsAccess } from '../../workspaces/workspaces.service';

/**
 * Read-your-writes over read replicas: a caller that has just written reads from the primary for
 * DATABASE_READ_YOUR_WRITES_WINDOW, so that it finds what it wrote even while the replicas have not
 * replayed it yet; everybody else's reads may go to a replica. The caller's last write is a key with
 * that lifetime in the shared cache: in Redis when it is configured, so that the window holds on
 * whichever instance the caller's next request reaches; in the process otherwise (one instance).
 */
@Injectable()
export class ReadYourWrites {
  private readonly logger = new Logger(ReadYourWrites.name);
  private readonly enabled: boolean;
  private readonly windowMs: number;

  constructor(
    @Inject(KEY_VALUE_CACHE) private readonly cache: KeyValueCache,
    @InjectConfig('database') config: DatabaseConfig,
  ) {
    this.enabled = config.kind !== 'sqlite' && config.readUrls.length > 0;
    this.windowMs = config.readYourWritesWindowMs;
  }

  /** Notes that the caller wrote (or tried to): its reads stay on the primary for the window from now. */
  async wrote(access: ItemsAccess): Promise<void> {
    if (!this.enabled) return;
    await this.cache.set(writerKey(access), true, this.windowMs).catch((error: unknown) => {
      this.logger.warn(`A write could not be noted for read-your-writes (${error instanceof Error ? error.message : String(error)}).`);
    });
  }

  /** Where the caller's reads may run now: a replica, unless it wrote within the window (or that cannot be told). */
  async readFrom(access: ItemsAccess): Promise<ReadFrom> {
    if (!this.enabled) return 'primary';
    const wrote = await this.cache.get<boolean>(writerKey(access)).catch(() => true);
    return wrote ? 'primary' : 'replica';
  }
}

/**
 * Whose writes a read must see: the principal (account, API key, app user, flow). Anonymous callers
 * cannot be told apart, so an anonymous write keeps every anonymous read of its workspace on the primary.
 */
function writerKey(access: ItemsAccess): string {
  const { principal } = access;
  if (!principal) return `read-your-writes:public:${access.workspace.id}`;
  switch (principal.kind) {
    case 'user':
      return `read-your-writes:user:${principal.userId}`;
    case 'api_key':
      return `read-your-writes:key:${principal.apiKeyId}`;
    case 'app_user':
      return `read-your-writes:app:${principal.appUserId}`;
    case 'flow':
      return `read-your-writes:flow:${principal.flowId}`;
  }
}
