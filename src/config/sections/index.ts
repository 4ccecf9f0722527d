import type { SectionConfig } from '../section';
import { appUsers } from './app-users';
import { auth } from './auth';
import { connections } from './connections';
import { database } from './database';
import { files } from './files';
import { flows } from './flows';
import { graphql } from './graphql';
import { handlers } from './handlers';
import { mail } from './mail';
import { metrics } from './metrics';
import { query } from './query';
import { rateLimits } from './rate-limits';
import { realtime } from './realtime';
import { redis } from './redis';
import { server } from './server';
import { sso } from './sso';
import { webhooks } from './webhooks';

/**
 * Every section of the configuration, in the order `.env.example` lists them and a wrong environment's
 * problems are reported. A section's variables are declared in its file and nowhere else.
 */
export const sections = { server, database, redis, auth, query, graphql, realtime, webhooks, handlers, flows, connections, rateLimits, mail, appUsers, sso, files, metrics };

export type ConfigSections = typeof sections;

/** Cairn's whole configuration, one key per section, typed by the sections' declarations and validated once at start. */
export type AppConfig = { [K in keyof ConfigSections]: SectionConfig<ConfigSections[K]> };

export type ConfigSectionName = keyof AppConfig;
