import { defineSection } from '../section';
import { integer } from '../variable';

/** The limits of a read, in REST, GraphQL and realtime alike. */
export const query = defineSection({
  variables: {
    defaultLimit: integer('QUERY_LIMIT_DEFAULT', 100, 1, 100_000),
    /** null: no maximum, and limit=-1 reads everything (QUERY_LIMIT_MAX=-1). */
    maxLimit: integer('QUERY_LIMIT_MAX', 1000, -1, 1_000_000).to((most) => (most === -1 ? null : Math.max(most, 1))),
    /** How many relations deep `fields`, `sort` and filters may go. */
    maxDepth: integer('QUERY_MAX_DEPTH', 3, 1, 10),
    /** The most items one batch write may hold, and an update by query change. */
    maxBatchSize: integer('MAX_BATCH_SIZE', 1000, 1, 100_000),
    /** The most operations one `POST /batch` may hold: they all run in one transaction, which holds its locks until the last. */
    maxBatchOperations: integer('BATCH_MAX_OPERATIONS', 100, 1, 1000),
  },
});
