import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { Database } from '../../common/database/database.service';
import { AppError, conflict, forbidden, invalidPayload, notFound } from '../../common/errors/app-error';
import { isRecord } from '../../engine/query/filter.parser';
import { checkWritableFields, withPresets, WriteGrant } from '../policies/write-permissions';
import type { ItemsAccess } from '../workspaces/workspaces.service';
import { FilesAccess } from './files-access';
import { FILES, FOLDERS, FOLDERS_COLLECTION } from '../schema/files.collection';
import type { ReadResult } from '../../engine/read/query-runner';
import { FilesStore } from './files.store';

type Row = Record<string, unknown>;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const FOLDER_FIELDS = new Set(['name', 'parent']);
/** Deeper trees than this are refused: walking up a parent chain must end. */
const MAX_FOLDER_DEPTH = 64;

/**
 * Folders: a name and an optional parent folder of the same workspace. A folder that holds files or
 * other folders cannot be deleted (409): empty it first, so no delete removes more than it names.
 */
@Injectable()
export class FoldersService {
  constructor(
    private readonly db: Database,
    private readonly store: FilesStore,
    private readonly access: FilesAccess,
  ) {}

  async list(access: ItemsAccess, params: Row): Promise<ReadResult> {
    return this.store.list(await this.access.readScope(access, FOLDERS), FOLDERS, params);
  }

  async get(access: ItemsAccess, id: string, params: Row): Promise<Row> {
    const scope = await this.access.readScope(access, FOLDERS);
    const [folder] = UUID.test(id) ? await this.store.byKeys(scope, FOLDERS, [id.toLowerCase()], params) : [];
    if (!folder) throw notFound('Folder not found.');
    return folder;
  }

  async create(access: ItemsAccess, body: unknown, params: Row): Promise<Row | null> {
    const grant = await this.access.writeGrant(access, FOLDERS, 'create');
    const values = this.checked(this.granted(access, grant, 'create', objectBody(body)), true);
    const id = randomUUID();
    const workspaceId = access.workspace.id;
    await this.db.transaction(async (manager) => {
      if (values.parent) await this.assertParent(manager, workspaceId, id, values.parent as string);
      await this.store.insert(manager, FOLDERS, { id, workspace_id: workspaceId, parent: null, ...values });
      await this.assertWithinGrant(manager, access, grant, id, 'create');
    });
    return this.readBack(access, id, params);
  }

  async update(access: ItemsAccess, id: string, body: unknown, params: Row): Promise<Row | null> {
    const grant = await this.access.writeGrant(access, FOLDERS, 'update');
    const values = this.checked(this.granted(access, grant, 'update', objectBody(body)), false);
    const key = this.keyOf(id);
    const workspaceId = access.workspace.id;
    await this.db.transaction(async (manager) => {
      const [found] = await this.store.lock(manager, workspaceId, FOLDERS, [key], grant?.filter ?? null, this.access.context(access));
      if (!found) throw notFound('Folder not found.');
      if (values.parent) await this.assertParent(manager, workspaceId, key, values.parent as string);
      await this.store.update(manager, FOLDERS, key, values);
      await this.assertWithinGrant(manager, access, grant, key, 'update');
    });
    return this.readBack(access, key, params);
  }

  async remove(access: ItemsAccess, id: string): Promise<void> {
    const grant = await this.access.writeGrant(access, FOLDERS, 'delete');
    const key = this.keyOf(id);
    const workspaceId = access.workspace.id;
    await this.db.transaction(async (manager) => {
      const [found] = await this.store.lock(manager, workspaceId, FOLDERS, [key], grant?.filter ?? null, this.access.context(access));
      if (!found) throw notFound('Folder not found.');
      if ((await this.store.rowsWhere(manager, FOLDERS, workspaceId, 'parent', key)).length > 0) throw conflict('The folder holds other folders; move or delete them first.');
      if ((await this.store.rowsWhere(manager, FILES, workspaceId, 'folder', key)).length > 0) throw conflict('The folder holds files; move or delete them first.');
      await this.store.delete(manager, FOLDERS, key);
    });
  }

  private granted(access: ItemsAccess, grant: WriteGrant | null, action: 'create' | 'update', values: Row): Row {
    if (!grant) return values;
    checkWritableFields(values, grant, action, '');
    return withPresets(values, grant, FOLDERS_COLLECTION, this.access.context(access)) as Row;
  }

  private checked(values: Row, creating: boolean): Row {
    for (const key of Object.keys(values)) if (!FOLDER_FIELDS.has(key)) throw invalidPayload(`Invalid payload: "${key}" is not a field of a folder; it has name and parent.`, key);
    const checked: Row = {};
    if ('name' in values || creating) {
      const name = values.name;
      // eslint-disable-next-line no-control-regex
      if (typeof name !== 'string' || name.trim() === '' || name.length > 255 || /[\u0000-\u001f\u007f]/.test(name)) {
        throw invalidPayload('Invalid payload: "name" must be a text of 1 to 255 characters without control characters.', 'name');
      }
      checked.name = name.trim();
    }
    if ('parent' in values) {
      const parent = values.parent;
      if (parent !== null && (typeof parent !== 'string' || !UUID.test(parent))) throw invalidPayload('Invalid payload: "parent" must be the id of a folder, or null.', 'parent');
      checked.parent = parent === null ? null : parent.toLowerCase();
    }
    return checked;
  }

  /** The parent must be a folder of the workspace, and not the folder itself or one inside it. */
  private async assertParent(manager: EntityManager, workspaceId: string, folder: string, parent: string): Promise<void> {
    let current: string | null = parent;
    for (let depth = 0; current !== null; depth++) {
      if (current === folder) throw invalidPayload('Invalid payload: a folder cannot be inside itself.', 'parent');
      if (depth >= MAX_FOLDER_DEPTH) throw invalidPayload(`Invalid payload: folders nest at most ${MAX_FOLDER_DEPTH} deep.`, 'parent');
      const [row] = await this.store.rowsWhere(manager, FOLDERS, workspaceId, 'id', current);
      if (!row) throw invalidPayload(`Invalid payload: there is no folder "${current}".`, 'parent');
      current = row.parent === null || row.parent === undefined ? null : String(row.parent);
    }
  }

  private async assertWithinGrant(manager: EntityManager, access: ItemsAccess, grant: WriteGrant | null, key: string, action: string): Promise<void> {
    if (!grant?.filter) return;
    if (!(await this.store.matches(manager, access.workspace.id, FOLDERS, key, grant.filter, this.access.context(access)))) throw forbidden(`You may not ${action} a folder with these values.`);
  }

  private keyOf(id: string): string {
    if (!UUID.test(id)) throw notFound('Folder not found.');
    return id.toLowerCase();
  }

  private async readBack(access: ItemsAccess, id: string, params: Row): Promise<Row | null> {
    try {
      const [row] = await this.store.byKeys(await this.access.readScope(access, FOLDERS), FOLDERS, [id], params);
      return row ?? null;
    } catch (error) {
      if (error instanceof AppError && error.code === 'FORBIDDEN') return null;
      throw error;
    }
  }
}

function objectBody(body: unknown): Row {
  if (!isRecord(body)) throw invalidPayload('Invalid payload: the request body must be a JSON object.');
  return body;
}
