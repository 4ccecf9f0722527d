import { Injectable } from '@nestjs/common';
import { Database } from '../../../common/database/database.service';
import { AppError } from '../../../common/errors/app-error';
import { toErrorResponse } from '../../../common/errors/error-response';
import type { QueryConfig } from '../../../config/app-config';
import { InjectConfig } from '../../../config/config.module';
import type { RequestOrigin } from '../../audit/activity.recorder';
import { SchemaRegistry } from '../../schema/schema.registry';
import { primaryKeyField } from '../../schema/schema.lookup';
import type { ItemsAccess } from '../../workspaces/workspaces.service';
import { ItemsService } from '../items.service';
import { BatchOperation, OperationResult, operationError, parseBatch, resolveReferences } from './batch.operations';

/**
 * `POST /batch`: item operations across collections in one transaction (Database.together), all or
 * nothing. Each operation is an ordinary call to the items door with the caller's access, so it meets
 * the same policies, validation, hooks, activity, revisions, webhooks, flows and events as a single
 * request; what they announce waits for the commit and is dropped with a rollback.
 */
@Injectable()
export class ItemsBatch {
  constructor(
    private readonly items: ItemsService,
    private readonly db: Database,
    private readonly registry: SchemaRegistry,
    @InjectConfig('query') private readonly config: QueryConfig,
  ) {}

  /** Runs the batch; answers each operation's result in order, or throws the first failure with its index (`extensions.operation`). */
  async run(access: ItemsAccess, body: unknown, origin: RequestOrigin): Promise<OperationResult[]> {
    const operations = parseBatch(body, this.config.maxBatchOperations);
    return this.db.together(async () => {
      const results: OperationResult[] = [];
      /** The primary key field of each operation's collection, which `{"$ref": i}` reads. */
      const keyFields: string[] = [];
      for (const [index, operation] of operations.entries()) {
        try {
          results.push(await this.runOne(access, operation, index, results, keyFields, origin));
          keyFields.push(await this.keyField(access, operation.collection));
        } catch (error) {
          throw inOperation(error, index);
        }
      }
      return results;
    });
  }

  private async runOne(access: ItemsAccess, operation: BatchOperation, index: number, results: OperationResult[], keyFields: string[], origin: RequestOrigin): Promise<OperationResult> {
    const { collection } = operation;
    const at = `operations.${index}`;
    const data = operation.data === undefined ? undefined : resolveReferences(operation.data, `${at}.data`, results, keyFields, index);
    switch (operation.action) {
      case 'create': {
        const [item] = await this.items.create(access, { collection, items: [data], batch: false, origin });
        return item ?? null;
      }
      case 'update': {
        const [item] = await this.items.update(access, { collection, keys: { id: this.keyOf(operation, index, results, keyFields) }, values: data, origin });
        return item ?? null;
      }
      case 'delete':
        await this.items.delete(access, { collection, keys: { id: this.keyOf(operation, index, results, keyFields) }, origin });
        return null;
    }
  }

  /** The key an update or delete names, its reference resolved: a string or a number, as a path would give it. */
  private keyOf(operation: BatchOperation, index: number, results: OperationResult[], keyFields: string[]): string {
    const where = `operations.${index}.key`;
    const key = resolveReferences(operation.key, where, results, keyFields, index);
    if (typeof key === 'string' || (typeof key === 'number' && Number.isFinite(key))) return String(key);
    throw operationError(index, '"key" must be a string or a number (or a $ref to one).', where);
  }

  private async keyField(access: ItemsAccess, collection: string): Promise<string> {
    const definition = (await this.registry.forWorkspace(access.workspace)).collections.get(collection);
    // A collection the write went to is in the schema; a virtual one takes no writes.
    return definition ? primaryKeyField(definition).field : 'id';
  }
}

/**
 * A failure of operation `index` as the batch answers it: the error a single request would give (its
 * code, message and field), with the operation's index added. An unforeseen error stays one (500).
 */
function inOperation(error: unknown, index: number): unknown {
  if (error instanceof AppError) {
    if (error.extensions.operation === index) return error;
    const named = new AppError(error.code, `Operation ${index}: ${error.message}`, { ...error.extensions, operation: index });
    named.more.push(...error.more.map((extra) => ({ message: extra.message, extensions: { ...extra.extensions, operation: index } })));
    return named;
  }
  const response = toErrorResponse(error);
  if (response.unexpected) return error;
  const [first] = response.body.errors;
  const { code, ...extensions } = first.extensions;
  return new AppError(code, `Operation ${index}: ${first.message}`, { ...(extensions as AppError['extensions']), operation: index });
}
