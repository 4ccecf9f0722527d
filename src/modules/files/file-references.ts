import { Injectable } from '@nestjs/common';
import { AppError, invalidPayload, notFound } from '../../common/errors/app-error';
import type { RequestOrigin } from '../audit/activity.recorder';
import { ItemsService } from '../data/items.service';
import { fileFieldsOf, isFileField } from '../schema/file-fields';
import { filesFieldOfJunction, findFilesField, JUNCTION_FILE_FIELD } from '../schema/files-fields';
import { findField } from '../schema/schema.lookup';
import { SchemaRegistry } from '../schema/schema.registry';
import type { WorkspaceSchema } from '../schema/schema.types';
import type { ItemsAccess } from '../workspaces/workspaces.service';

/**
 * Whether a caller reaches a file through an item: a file is readable by whoever may read an item that
 * holds it in a file field (that field included), even without a policy on the files themselves. Each
 * question is a read through the items door, with the caller's access, so their policies decide it:
 * a file referenced only by items the caller cannot read stays out of reach.
 */
@Injectable()
export class FileReferences {
  constructor(
    private readonly items: ItemsService,
    private readonly registry: SchemaRegistry,
  ) {}

  async readableThroughItems(access: ItemsAccess, fileId: string): Promise<boolean> {
    const schema = await this.registry.forWorkspace(access.workspace);
    for (const { collection, field } of fileFieldsOf(schema)) {
      const params = { fields: field.field, filter: { [field.field]: { _eq: fileId }, ...heldByReadableItem(schema, collection.name) }, limit: 1 };
      try {
        const { data } = await this.items.list(access, { collection: collection.name, params });
        if (data.length > 0) return true;
      } catch (error) {
        // A collection or field the caller may not read tells nothing: the next one may.
        if (error instanceof AppError && (error.code === 'FORBIDDEN' || error.code === 'INVALID_QUERY')) continue;
        throw error;
      }
    }
    return false;
  }

  /**
   * Checks, before anything is stored, the item an upload is to be set on: the three form fields
   * together, and `field` a file or files field of `collection` (400 naming the form field otherwise).
   */
  async target(access: ItemsAccess, form: Record<string, string>): Promise<UploadTarget | null> {
    const named = (['collection', 'item', 'field'] as const).filter((key) => form[key] !== undefined);
    if (named.length === 0) return null;
    const missing = (['collection', 'item', 'field'] as const).find((key) => form[key] === undefined || form[key] === '');
    if (missing) throw invalidPayload(`Invalid payload: an upload set on an item needs "collection", "item" and "field"; "${missing}" is missing.`, missing);
    const schema = await this.registry.forWorkspace(access.workspace);
    const collection = schema.collections.get(form.collection);
    const field = collection && !collection.relationTargetOnly ? findField(collection, form.field) : undefined;
    if (field && isFileField(field)) return { collection: form.collection, item: form.item, field: form.field, link: null };
    const files = collection && !collection.relationTargetOnly ? findFilesField(schema, form.collection, form.field) : null;
    if (!files) throw invalidPayload(`Invalid payload: "${form.field}" is not a file or files field of "${form.collection}".`, 'field');
    return { collection: form.collection, item: form.item, field: form.field, link: { junction: files.junction.name, itemKey: files.relation.field, integerKey: collection!.primaryKey === 'integer' } };
  }

  /**
   * Sets the file on the item through the items door, as the caller: its policies, validation, hooks and
   * events apply. For a files field the file is added as a new link, an item of the junction.
   */
  async attach(access: ItemsAccess, target: UploadTarget, fileId: string, origin: RequestOrigin): Promise<void> {
    if (!target.link) {
      await this.items.update(access, { collection: target.collection, keys: { id: target.item }, values: { [target.field]: fileId }, origin });
      return;
    }
    const { junction, itemKey, integerKey } = target.link;
    // A form field is text; an integer key is sent as the number it spells (anything else the validator refuses).
    const item = integerKey && /^\d+$/.test(target.item) ? Number(target.item) : target.item;
    try {
      await this.items.create(access, { collection: junction, items: [{ [itemKey]: item, [JUNCTION_FILE_FIELD]: fileId }], batch: false, origin });
    } catch (error) {
      // The junction's foreign key found no such item: answered as an update of a missing item is.
      if (error instanceof AppError && error.code === 'CONFLICT' && error.extensions.field === itemKey) throw notFound(`No item "${target.item}" in "${target.collection}".`);
      throw error;
    }
  }
}

/**
 * For the junction of a files field, the condition that its row belongs to an item the caller may read:
 * the filter through the junction's many-to-one takes the item's own policies, so a file in the gallery
 * of a post the caller cannot read (a draft) is not reached through the junction row alone.
 */
function heldByReadableItem(schema: WorkspaceSchema, collection: string): Record<string, unknown> {
  const files = filesFieldOfJunction(schema, collection);
  return files ? { [files.relation.field]: { id: { _nnull: true } } } : {};
}

/** The item an upload is set on, and its file or files field. */
export interface UploadTarget {
  collection: string;
  item: string;
  field: string;
  /** For a files field: the junction a link is created in, its key to the item, and whether that key is an integer. */
  link: { junction: string; itemKey: string; integerKey: boolean } | null;
}
