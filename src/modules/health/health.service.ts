import { existsSync, statfsSync } from 'node:fs';
import { cpus, loadavg, uptime as systemUptime } from 'node:os';
import { Inject, Injectable } from '@nestjs/common';
import { BUS_HEALTH, BusHealthProbe } from '../../common/bus/bus';
import { Database } from '../../common/database/database.service';
import { GracefulShutdown } from '../../common/lifecycle/graceful-shutdown';
import { ReadReplicas } from '../../common/database/read-replicas';
import type { DatabaseConfig, ServerConfig } from '../../config/app-config';
import { InjectConfig } from '../../config/config.module';
import { cairnVersion } from '../../common/version';

const DATABASE_PING_TIMEOUT_MS = 3_000;
const APPLICATION_VERSION = cairnVersion();

export interface HealthReport {
  status: 'ok' | 'error';
  info: Record<string, { status: string } & Record<string, unknown>>;
}

/** The health of the instance: its database and Redis (which it needs) and facts about the process. */
@Injectable()
export class HealthService {
  constructor(
    private readonly db: Database,
    private readonly replicas: ReadReplicas,
    @Inject(BUS_HEALTH) private readonly bus: BusHealthProbe,
    @InjectConfig('server') private readonly config: ServerConfig,
    @InjectConfig('database') private readonly databaseConfig: DatabaseConfig,
    private readonly shutdown: GracefulShutdown,
  ) {}

  async report(): Promise<HealthReport> {
    const [database, redis] = await Promise.all([this.database(), this.bus.check()]);
    const memory = process.memoryUsage();
    // A stopping instance still serves the requests on its open connections, but takes no more work.
    const stopping = this.shutdown.stopping;
    const healthy = database.status === 'up' && redis.status !== 'down' && !stopping;
    return {
      status: healthy ? 'ok' : 'error',
      info: {
        database,
        // Replicas never make the instance unhealthy: without them, reads go to the primary.
        ...(this.replicas.configured ? { read_replicas: { status: 'up', replicas: this.replicas.states() } } : {}),
        redis,
        memory_heap: { status: 'up', used: memory.heapUsed, total: memory.heapTotal },
        memory_rss: { status: 'up', used: memory.rss },
        storage: this.storage(),
        system: { status: 'up', cpus: cpus().length, load_average: loadavg(), uptime: Math.round(systemUptime()) },
        application: { status: stopping ? 'down' : 'up', ...(stopping ? { message: 'The server is shutting down.' } : {}), name: 'cairn', version: APPLICATION_VERSION, uptime: Math.round(process.uptime()), database: this.databaseConfig.kind },
      },
    };
  }

  private async database(): Promise<{ status: string } & Record<string, unknown>> {
    try {
      return { status: 'up', responseTime: await this.db.ping(DATABASE_PING_TIMEOUT_MS) };
    } catch {
      return { status: 'down', message: 'The database is unreachable.' };
    }
  }

  private storage(): { status: string } & Record<string, unknown> {
    try {
      const stats = statfsSync(existsSync(this.config.dataDir) ? this.config.dataDir : process.cwd());
      return { status: 'up', free: stats.bavail * stats.bsize, total: stats.blocks * stats.bsize };
    } catch {
      return { status: 'down', message: 'The data directory cannot be read.' };
    }
  }
}

