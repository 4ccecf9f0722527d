import { defineSection } from '../section';
import { matching, text } from '../variable';

/** Redis, shared by every instance for pub/sub, cache and rate limits; null keeps them inside the process. */
export const redis = defineSection({
  variables: {
    url: text('REDIS_URL', undefined, matching(/^rediss?:\/\/.+/, 'must start with redis:// or rediss://')),
    prefix: text('REDIS_PREFIX', 'cairn:', matching(/^[A-Za-z0-9:_-]*$/, 'may hold letters, digits, ":", "_" and "-"')),
  },
  build: (v) => (v.url
    ? {
        url: v.url,
        /** Prepended to every key and channel, so several deployments can share one Redis. */
        prefix: v.prefix,
      }
    : null),
});
