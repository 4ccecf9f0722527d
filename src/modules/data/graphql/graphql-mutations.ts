import { ExecutionResult, getOperationAST, Kind, OperationDefinitionNode } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Database } from '../../../common/database/database.service';
import { AppError } from '../../../common/errors/app-error';

/** What the mutations of one document share while they run together: whether one of them has failed. */
export interface MutationsTogether {
  failed: boolean;
}

/** What a mutation field answers when an earlier one of its document failed: it is not run, and nothing of the document is written. */
export const notRunAfterFailure = () =>
  new AppError('INVALID_PAYLOAD', 'Not run: an earlier mutation of this document failed, so none of its mutations were written.');

/** The rolled-back result of a document's mutations, carried out of the unit of work by a throw. */
class RolledBack extends Error {
  constructor(readonly result: ExecutionResult) {
    super('The mutations of a GraphQL document failed and were rolled back.');
  }
}

/**
 * Runs the mutation fields of one document in one transaction (Database.together): if any of them fails,
 * none is committed and nothing of them is announced. GraphQL runs mutation fields one after another and
 * goes on after a failure; the fields after a failed write are not run (`notRunAfterFailure`, checked by
 * the items operations through `mutations` in the context), and the answer's `data` is null, its
 * `errors` saying which field failed and which were not run. A document with a single mutation field is
 * already one transaction, and runs as it would alone.
 */
export function useMutationsTogether(db: Database): Plugin<{ mutations?: MutationsTogether }> {
  return {
    onExecute({ args, executeFn, setExecuteFn, extendContext }) {
      const operation = getOperationAST(args.document, args.operationName);
      if (!operation || operation.operation !== 'mutation' || !mayWriteMoreThanOnce(operation)) return;
      extendContext({ mutations: { failed: false } });
      setExecuteFn((async (executeArgs: Parameters<typeof executeFn>[0]) => {
        try {
          return await db.together(async () => {
            const result = (await executeFn(executeArgs)) as ExecutionResult;
            if (result.errors && result.errors.length > 0) throw new RolledBack(result);
            return result;
          });
        } catch (error) {
          if (error instanceof RolledBack) return { ...error.result, data: null };
          throw error;
        }
      }) as typeof executeFn);
    },
  };
}

/** Whether an operation selects more than one root field (a fragment may hold several). */
function mayWriteMoreThanOnce(operation: OperationDefinitionNode): boolean {
  const { selections } = operation.selectionSet;
  return selections.length > 1 || selections.some((selection) => selection.kind !== Kind.FIELD);
}
