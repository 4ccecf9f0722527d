import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import { Inject, Injectable, Logger } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { Database } from '../../common/database/database.service';
import { AppError, forbidden, invalidPayload, notFound } from '../../common/errors/app-error';
import type { FilesConfig } from '../../config/app-config';
import { InjectConfig } from '../../config/config.module';
import { recordActivity, RequestOrigin } from '../audit/activity.recorder';
import { isRecord } from '../../engine/query/filter.parser';
import type { PolicyAction } from '../policies/policy.entities';
import { checkWritableFields, withPresets, WriteGrant } from '../policies/write-permissions';
import type { ItemsAccess } from '../workspaces/workspaces.service';
import { parseRange, RangeRequest } from './byte-range';
import { FileReferences, UploadTarget } from './file-references';
import { FilesAccess, FilesReadScope } from './files-access';
import { FILES, FILES_COLLECTION } from '../schema/files.collection';
import type { ReadResult } from '../../engine/read/query-runner';
import { FilesStore } from './files.store';
import { assertPlainFilename, diskName, sanitizeFilename } from './file-names';
import { normalizeType, storedType, typeOfExtension, TypePolicy } from './file-types';
import { STORAGE_DRIVER, StorageDriver, storageKey } from './storage/storage-driver';
import { variantPrefix } from './transforms/variant-keys';
import { readUpload, StoredUpload } from '../../common/http/upload-reader';

type Row = Record<string, unknown>;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The form fields an upload takes beside its file. */
const UPLOAD_FIELDS = ['title', 'folder', 'collection', 'item', 'field'] as const;
/** What `PATCH /files/{id}` may change. */
const EDITABLE_FIELDS = new Set(['title', 'folder', 'filename_download']);

/** A file's stored columns and the storage key of its bytes. */
export type StoredFile = Asset['file'] & { filename_disk: string; key: string };

/** A file's row and a stream of its bytes (or of the range asked for), for `GET /assets/{id}`. */
export interface Asset {
  file: { id: string; type: string; filesize: number; checksum: string; filename_download: string; uploaded_on: string };
  range: RangeRequest;
  stream: Readable | null;
}

/**
 * Files: uploads streamed to the storage driver, their metadata in `cairn_files`, downloads. The order
 * of writes keeps every row pointing at bytes that exist: an upload stores its bytes before it writes
 * the row, a delete removes the row before the bytes. A crash in between leaves only bytes no row names,
 * which the orphan sweep removes.
 */
@Injectable()
export class FilesService {
  private readonly logger = new Logger(FilesService.name);
  private readonly types: TypePolicy;

  constructor(
    private readonly db: Database,
    private readonly store: FilesStore,
    private readonly access: FilesAccess,
    private readonly references: FileReferences,
    @Inject(STORAGE_DRIVER) private readonly storage: StorageDriver,
    @InjectConfig('files') private readonly config: FilesConfig,
  ) {
    this.types = new TypePolicy(config.allowedTypes, config.deniedTypes);
  }

  async list(access: ItemsAccess, params: Row): Promise<ReadResult> {
    return this.store.list(await this.access.readScope(access, FILES), FILES, params);
  }

  async get(access: ItemsAccess, id: string, params: Row): Promise<Row> {
    if (!UUID.test(id)) throw notFound('File not found.');
    const key = id.toLowerCase();
    const [file] = await this.store.byKeys(await this.scopeForFile(access, key), FILES, [key], params);
    if (!file) throw notFound('File not found.');
    return file;
  }

  /**
   * The scope to read one file with: the caller's own when its policies show it the file; else, when
   * the caller reaches the file through an item it may read, every field of it; else its own again,
   * which answers 403 without a policy on the files and 404 for a file outside it.
   */
  private async scopeForFile(access: ItemsAccess, key: string): Promise<FilesReadScope> {
    let own: FilesReadScope | null = null;
    let refusal: unknown = null;
    try {
      own = await this.access.readScope(access, FILES);
      if (own.permissions === null) return own;
      const [visible] = await this.store.byKeys(own, FILES, [key], { fields: 'id' });
      if (visible) return own;
    } catch (error) {
      if (!(error instanceof AppError && error.code === 'FORBIDDEN')) throw error;
      refusal = error;
    }
    if (await this.references.readableThroughItems(access, key)) return this.access.wholeScope(access);
    if (own) return own;
    throw refusal;
  }

  /**
   * Stores a multipart upload: checks the caller's grant and the declared type before reading a byte,
   * streams the file to storage through a SHA-256 tap, then writes the row. Anything refused after the
   * bytes were stored (too large, a bad field, a grant's filter) removes them again.
   */
  async upload(access: ItemsAccess, request: FastifyRequest, params: Row, origin: RequestOrigin): Promise<Row | null> {
    const grant = await this.access.writeGrant(access, FILES, 'create');
    const id = randomUUID();
    const workspaceId = access.workspace.id;
    let filename = '';
    let type = '';
    const { fields, stored } = await readUpload(
      request,
      { maxFileBytes: this.config.maxSizeBytes, fields: UPLOAD_FIELDS },
      async (incoming, stream, digest) => {
        assertPlainFilename(incoming.filename, 'file');
        filename = sanitizeFilename(incoming.filename);
        type = this.acceptedType(incoming.mimetype, incoming.filename);
        const key = storageKey(workspaceId, diskName(id, filename));
        const { size } = await this.storage.write(key, stream);
        const counted: StoredUpload = digest();
        if (counted.size !== size) throw new Error(`storage wrote ${size} bytes of ${counted.size}`);
        return { ...counted, key };
      },
      (kept) => this.discard(kept.key),
    );
    let target: UploadTarget | null;
    try {
      target = await this.references.target(access, fields);
      const values = this.granted(access, grant, 'create', { ...(fields.title !== undefined ? { title: fields.title } : {}), ...(fields.folder !== undefined ? { folder: fields.folder } : {}) });
      const row = this.checkedValues(values);
      await this.db.transaction(async (manager) => {
        if (row.folder) await this.assertFolder(manager, workspaceId, row.folder as string);
        await this.store.insert(manager, FILES, {
          id,
          workspace_id: workspaceId,
          storage: this.storage.name,
          filename_disk: diskName(id, filename),
          filename_download: filename,
          title: null,
          type,
          filesize: stored.size,
          checksum: stored.checksum,
          folder: null,
          uploaded_by: this.access.actor(access),
          uploaded_on: new Date(),
          ...row,
        });
        if (grant?.filter && !(await this.store.matches(manager, workspaceId, FILES, id, grant.filter, this.access.context(access)))) {
          throw forbidden('You may not create a file with these values.');
        }
        await recordActivity(manager, this.db.kind, { workspaceId, action: 'create', collection: FILES, items: [id], principal: access.principal, origin });
      });
    } catch (error) {
      await this.discard(stored.key);
      throw error;
    }
    if (target) await this.attachOrRemove(access, target, id, stored.key, origin);
    return this.readBack(access, id, params);
  }

  /**
   * Sets an uploaded file on the item the upload named, through the items door as the caller; a set
   * the door refuses (policies, validation, a missing item) removes the file again, and is answered.
   */
  private async attachOrRemove(access: ItemsAccess, target: UploadTarget, id: string, key: string, origin: RequestOrigin): Promise<void> {
    try {
      await this.references.attach(access, target, id, origin);
    } catch (error) {
      const workspaceId = access.workspace.id;
      await this.db.transaction(async (manager) => {
        await this.store.delete(manager, FILES, id);
        await recordActivity(manager, this.db.kind, { workspaceId, action: 'delete', collection: FILES, items: [id], principal: access.principal, origin });
      });
      await this.discard(key);
      throw error;
    }
  }

  /** Changes a file's title, folder or download name. */
  async update(access: ItemsAccess, id: string, body: unknown, params: Row, origin: RequestOrigin): Promise<Row | null> {
    const grant = await this.access.writeGrant(access, FILES, 'update');
    if (!isRecord(body)) throw invalidPayload('Invalid payload: the request body must be a JSON object.');
    for (const key of Object.keys(body)) if (!EDITABLE_FIELDS.has(key)) throw invalidPayload(`Invalid payload: "${key}" cannot be changed; a file's title, folder and filename_download can.`, key);
    const values = this.checkedValues(this.granted(access, grant, 'update', body));
    const key = this.keyOf(id);
    const workspaceId = access.workspace.id;
    await this.db.transaction(async (manager) => {
      const [found] = await this.store.lock(manager, workspaceId, FILES, [key], grant?.filter ?? null, this.access.context(access));
      if (!found) throw notFound('File not found.');
      if (values.folder) await this.assertFolder(manager, workspaceId, values.folder as string);
      await this.store.update(manager, FILES, key, values);
      if (grant?.filter && !(await this.store.matches(manager, workspaceId, FILES, key, grant.filter, this.access.context(access)))) {
        throw forbidden('You may not update a file with these values.');
      }
      await recordActivity(manager, this.db.kind, { workspaceId, action: 'update', collection: FILES, items: [key], principal: access.principal, origin });
    });
    return this.readBack(access, key, params);
  }

  /**
   * Deletes a file's row, then its bytes and its variants: a crash between the two leaves bytes no row
   * names, never the reverse.
   */
  async remove(access: ItemsAccess, id: string, origin: RequestOrigin): Promise<void> {
    const grant = await this.access.writeGrant(access, FILES, 'delete');
    const key = this.keyOf(id);
    const workspaceId = access.workspace.id;
    const disk = await this.db.transaction(async (manager) => {
      const [found] = await this.store.lock(manager, workspaceId, FILES, [key], grant?.filter ?? null, this.access.context(access));
      if (!found) throw notFound('File not found.');
      const [row] = await this.store.rowsWhere(manager, FILES, workspaceId, 'id', key);
      await this.store.delete(manager, FILES, key);
      await recordActivity(manager, this.db.kind, { workspaceId, action: 'delete', collection: FILES, items: [key], principal: access.principal, origin });
      return String(row.filename_disk);
    });
    await this.discard(storageKey(workspaceId, disk));
    // Then its transformed variants; any left by a failure here, the orphan sweep removes.
    try {
      for await (const variant of this.storage.list(variantPrefix(workspaceId, key))) await this.discard(variant.key);
    } catch (error) {
      this.logger.warn(`Could not list the variants of file ${key}: ${String(error)}; the orphan sweep will remove them.`);
    }
  }

  /** A file the caller may read, with a stream of the bytes the `Range` header asks for (none when unsatisfiable). */
  async asset(access: ItemsAccess, id: string, rangeHeader: string | undefined): Promise<Asset> {
    const file = await this.readableFile(access, id);
    const range = parseRange(rangeHeader, Number(file.filesize));
    const stream = range.kind === 'unsatisfiable' ? null : await this.storage.read(file.key, range.kind === 'range' ? range.range : undefined);
    return { file, range, stream };
  }

  /**
   * The stored columns of a file the caller may read (by its policies, or through an item it may read),
   * and the key of its bytes: what serving it, or a variant of it, needs. A file it may not read answers
   * 404, like one that does not exist.
   */
  async readableFile(access: ItemsAccess, id: string): Promise<StoredFile> {
    if (!UUID.test(id)) throw notFound('File not found.');
    const key = id.toLowerCase();
    const scope = await this.scopeForFile(access, key);
    const fields = { fields: 'id,type,filesize,checksum,filename_download,filename_disk,uploaded_on' };
    let row: Row | undefined;
    if (scope.permissions === null) {
      // A member reads every file of the workspace: one read of the stored columns.
      [row] = await this.store.byKeys(scope, FILES, [key], fields);
    } else {
      // The row through the caller's policy, then its stored columns whatever fields the policy shows:
      // serving the bytes needs them.
      const [visible] = await this.store.byKeys(scope, FILES, [key], { fields: 'id' });
      if (visible) [row] = await this.store.byKeys({ ...scope, visible: scope.schema, permissions: null }, FILES, [String(visible.id)], fields);
    }
    if (!row) throw notFound('File not found.');
    const file = row as Asset['file'] & { filename_disk: string };
    return { ...file, key: storageKey(access.workspace.id, file.filename_disk) };
  }

  // ----- the steps -----

  /** The type to store for a file part, refused (415) when it, or the type its name suggests, is not accepted. */
  private acceptedType(declared: string, filename: string): string {
    const normalized = normalizeType(declared);
    const type = storedType(normalized, filename);
    const byName = typeOfExtension(filename);
    for (const candidate of [type, byName]) {
      if (candidate !== null && !this.types.accepts(candidate)) throw new AppError('UNSUPPORTED_MEDIA_TYPE', `Files of type ${candidate} are not accepted.`, { type: candidate });
    }
    return type;
  }

  /** Values as an app role may write them: only the fields its grant names (403), presets forced. */
  private granted(access: ItemsAccess, grant: WriteGrant | null, action: Exclude<PolicyAction, 'read'>, values: Row): Row {
    if (!grant) return values;
    checkWritableFields(values, grant, action, '');
    return withPresets(values, grant, FILES_COLLECTION, this.access.context(access)) as Row;
  }

  /** title, folder and filename_download checked and normalised. */
  private checkedValues(values: Row): Row {
    const checked: Row = {};
    if ('title' in values) checked.title = optionalText(values.title, 'title');
    if ('folder' in values) {
      const folder = values.folder === '' ? null : values.folder;
      if (folder !== null && (typeof folder !== 'string' || !UUID.test(folder))) throw invalidPayload('Invalid payload: "folder" must be the id of a folder, or null.', 'folder');
      checked.folder = folder === null ? null : folder.toLowerCase();
    }
    if ('filename_download' in values) {
      if (typeof values.filename_download !== 'string' || values.filename_download.trim() === '') {
        throw invalidPayload('Invalid payload: "filename_download" must be a file name.', 'filename_download');
      }
      assertPlainFilename(values.filename_download, 'filename_download');
      checked.filename_download = sanitizeFilename(values.filename_download);
    }
    return checked;
  }

  private async assertFolder(manager: Parameters<FilesStore['insert']>[0], workspaceId: string, folder: string): Promise<void> {
    const rows = await this.store.rowsWhere(manager, 'folders', workspaceId, 'id', folder);
    if (rows.length === 0) throw invalidPayload(`Invalid payload: there is no folder "${folder}".`, 'folder');
  }

  private keyOf(id: string): string {
    if (!UUID.test(id)) throw notFound('File not found.');
    return id.toLowerCase();
  }

  /** What the caller may read of a file it just wrote: null without a read grant. */
  private async readBack(access: ItemsAccess, id: string, params: Row): Promise<Row | null> {
    try {
      const [row] = await this.store.byKeys(await this.access.readScope(access, FILES), FILES, [id], params);
      return row ?? null;
    } catch (error) {
      if (error instanceof AppError && error.code === 'FORBIDDEN') return null;
      throw error;
    }
  }

  /** Removes stored bytes; a failure is logged, and the sweep removes them later. */
  private async discard(key: string): Promise<void> {
    await this.storage.delete(key).catch((error: unknown) => this.logger.warn(`Could not remove ${key}: ${String(error)}; the orphan sweep will.`));
  }
}

function optionalText(value: unknown, field: string): string | null {
  if (value === null) return null;
  if (typeof value !== 'string' || value.length > 255) throw invalidPayload(`Invalid payload: "${field}" must be a text of at most 255 characters, or null.`, field);
  // eslint-disable-next-line no-control-regex
  return value.replace(/[\u0000-\u001f\u007f]/g, ' ');
}
