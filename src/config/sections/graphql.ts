import { defineSection } from '../section';
import { integer } from '../variable';

/** The limits a GraphQL document must keep to before it runs. */
export const graphql = defineSection({
  variables: {
    /** How deeply fields may nest, counting from the root field. */
    maxDepth: integer('GRAPHQL_MAX_DEPTH', 8, 2, 50),
    /** How many aliases one document may hold. */
    maxAliases: integer('GRAPHQL_MAX_ALIASES', 15, 1, 1000),
    /** The largest cost: each field costs 1, each object 2, multiplied down the nesting. */
    maxCost: integer('GRAPHQL_MAX_COST', 5000, 10, 1_000_000),
    /** The most tokens (names, punctuation, values) a document may hold. */
    maxTokens: integer('GRAPHQL_MAX_TOKENS', 5000, 100, 1_000_000),
  },
});
