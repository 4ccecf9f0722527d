import type { Type } from '@nestjs/common';
import { ConditionOperation } from './condition.operation';
import { CreateItemOperation } from './create-item.operation';
import { DeleteItemOperation } from './delete-item.operation';
import type { FlowOperation } from './flow-operation';
import { HandlerOperation } from './handler.operation';
import { LogOperation } from './log.operation';
import { ReadItemsOperation } from './read-items.operation';
import { RequestOperation } from './request.operation';
import { UpdateItemOperation } from './update-item.operation';

/**
 * Every operation type, one class per file. A new type is its file and one line here: the module
 * provides each class, and the registry below finds it by its `type`.
 */
export const FLOW_OPERATION_CLASSES: Array<Type<FlowOperation>> = [ReadItemsOperation, CreateItemOperation, UpdateItemOperation, DeleteItemOperation, RequestOperation, ConditionOperation, LogOperation, HandlerOperation];

/** The operation types by name. */
export class FlowOperations {
  private readonly byType: Map<string, FlowOperation>;

  constructor(operations: FlowOperation[]) {
    this.byType = new Map(operations.map((operation) => [operation.type, operation]));
  }

  get(type: string): FlowOperation | undefined {
    return this.byType.get(type);
  }

  get types(): string[] {
    return [...this.byType.keys()];
  }
}
