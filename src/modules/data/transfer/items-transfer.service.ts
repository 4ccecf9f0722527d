import { Readable } from 'node:stream';
import type { MultipartFile } from '@fastify/multipart';
import { Injectable } from '@nestjs/common';
import { CsvError, parse as parseCsv } from 'csv-parse';
import type { FastifyRequest } from 'fastify';
import { AppError, invalidPayload } from '../../../common/errors/app-error';
import type { AppConfig } from '../../../config/app-config';
import { InjectConfig } from '../../../config/config.module';
import type { RequestOrigin } from '../../audit/activity.recorder';
import { findField } from '../../schema/schema.lookup';
import { SchemaRegistry } from '../../schema/schema.registry';
import type { CollectionDef } from '../../schema/schema.types';
import type { ItemsAccess } from '../../workspaces/workspaces.service';
import { multipartError, MultipartWording } from '../../files/upload-reader';
import { ItemsService } from '../items.service';
import { invalidQuery } from '../sql/filter.compiler';
import { csvRecord } from './csv.format';
import { jsonArrayElements, MalformedJsonArray } from './json-array.reader';
import type { ImportResult, ImportRow } from './transfer.types';

type Row = Record<string, unknown>;

export type TransferFormat = 'csv' | 'json';

/** A download ready to send: its headers' values and its body, produced as it is sent. */
export interface Download {
  filename: string;
  contentType: string;
  body: Readable;
}

/** Columns Cairn writes itself on create: present in a file (an export with fields=*), they are skipped. */
const WRITTEN_BY_CAIRN = new Set(['created_at', 'updated_at', 'created_by', 'updated_by']);

const CSV_TYPES = new Set(['text/csv', 'application/csv', 'text/comma-separated-values', 'application/vnd.ms-excel']);
const JSON_TYPES = new Set(['application/json', 'text/json']);

/**
 * Import and export of a collection's items as CSV or JSON files. The formats are this folder's; the
 * reads and writes are the items door's own (`exportItems`, `importItems`), so a file goes through the
 * same parsing, policies, validation, hooks and events as the REST routes.
 */
@Injectable()
export class ItemsTransfer {
  constructor(
    private readonly items: ItemsService,
    private readonly registry: SchemaRegistry,
    @InjectConfig() private readonly config: AppConfig,
  ) {}

  /**
   * The read of `params` as a file. The first batch is read before anything is sent, so that a bad
   * query or a refused read is answered as an error rather than as a broken download.
   */
  async export(access: ItemsAccess, collection: string, params: Row): Promise<Download> {
    const format = exportFormat(params.export);
    const { columns, batches } = await this.items.exportItems(access, collection, params);
    const iterator = batches[Symbol.asyncIterator]();
    const first = await iterator.next();
    const encode = format === 'csv' ? csvChunks : jsonChunks;
    const stamp = new Date().toISOString().slice(0, 10);
    return {
      filename: `${collection}-${stamp}.${format}`,
      contentType: format === 'csv' ? 'text/csv; charset=utf-8' : 'application/json; charset=utf-8',
      body: Readable.from(encode(columns, first, iterator), { objectMode: false }),
    };
  }

  /**
   * Imports the one file of a multipart request: CSV or JSON by its declared type or its extension,
   * parsed as it arrives (never held whole), each row mapped to fields by name and handed to the items
   * door. Beyond FILES_MAX_SIZE the import is refused (413) and nothing is written.
   */
  async import(access: ItemsAccess, collectionName: string, request: FastifyRequest, params: Row, origin: RequestOrigin): Promise<ImportResult> {
    const dryRun = dryRunOf(params.dry_run);
    if (!request.isMultipart()) throw new AppError('UNSUPPORTED_MEDIA_TYPE', 'An import is a multipart/form-data body with one file part named "file" (CSV or JSON).');
    const maxBytes = this.config.files.maxSizeBytes;
    let result: ImportResult | null = null;
    try {
      const parts = request.parts({ limits: { fileSize: maxBytes, files: 1, fields: 0, parts: 1 } });
      for await (const part of parts) {
        if (part.type !== 'file' || part.fieldname !== 'file') throw invalidPayload('Invalid payload: an import holds one file part, named "file".', part.fieldname);
        try {
          const format = importFormat(part.mimetype, part.filename);
          const schema = await this.registry.forWorkspace(access.workspace);
          const collection = schema.collections.get(collectionName);
          // Unknown collections and missing grants are the items door's to answer, as for any create.
          const rows = collection ? fileRows(part, format, collection, maxBytes) : emptyRows();
          result = await this.items.importItems(access, collectionName, rows, { dryRun, origin });
        } finally {
          // A refused import may leave the rest of the file unread: read it off, so the client gets the answer.
          if (!part.file.readableEnded) await drain(part);
        }
      }
    } catch (error) {
      throw multipartError(error, maxBytes, IMPORT_WORDING);
    }
    if (!result) throw invalidPayload('Invalid payload: the import has no file part; send the file as the part "file".', 'file');
    return result;
  }
}

function exportFormat(value: unknown): TransferFormat {
  if (value === 'csv' || value === 'json') return value;
  throw invalidQuery('export must be csv or json.', { parameter: 'export' });
}

function dryRunOf(value: unknown): boolean {
  if (value === undefined || value === 'false' || value === '0') return false;
  if (value === 'true' || value === '1' || value === '') return true;
  throw invalidQuery('dry_run must be true or false.', { parameter: 'dry_run' });
}

/** The format of an uploaded file: its declared type, or else its extension. */
function importFormat(mimetype: string, filename: string): TransferFormat {
  const type = mimetype.split(';')[0].trim().toLowerCase();
  if (CSV_TYPES.has(type)) return 'csv';
  if (JSON_TYPES.has(type)) return 'json';
  const extension = /\.([a-z]+)$/i.exec(filename)?.[1]?.toLowerCase();
  if (extension === 'csv' || extension === 'json') return extension;
  throw new AppError('UNSUPPORTED_MEDIA_TYPE', `An import is a CSV file (text/csv, .csv) or a JSON file (application/json, .json); "${filename}" is ${type || 'of no type'}.`, { type });
}

async function* csvChunks(columns: string[], first: IteratorResult<Row[]>, rest: AsyncIterator<Row[]>): AsyncGenerator<string> {
  let batch = first;
  // A view's columns are known once its first row is; an empty result still has its header when known.
  yield csvRecord(columns);
  while (!batch.done) {
    yield batch.value.map((row) => csvRecord(columns.map((column) => row[column]))).join('');
    batch = await rest.next();
  }
}

async function* jsonChunks(_columns: string[], first: IteratorResult<Row[]>, rest: AsyncIterator<Row[]>): AsyncGenerator<string> {
  let batch = first;
  let separator = '\n';
  yield '[';
  while (!batch.done) {
    if (batch.value.length > 0) {
      yield separator + batch.value.map((row) => JSON.stringify(row)).join(',\n');
      separator = ',\n';
    }
    batch = await rest.next();
  }
  yield '\n]\n';
}

async function* emptyRows(): AsyncGenerator<ImportRow> {}

/**
 * The rows of an uploaded file, mapped to the collection's fields. A file cut short by the size limit
 * is refused (413) before its last row can be taken for a whole one.
 */
async function* fileRows(part: MultipartFile, format: TransferFormat, collection: CollectionDef, maxBytes: number): AsyncGenerator<ImportRow> {
  const skipped = skippedColumns(collection);
  try {
    if (format === 'csv') yield* csvRows(part.file, collection, skipped);
    else yield* jsonRows(part.file, skipped);
  } catch (error) {
    if (part.file.truncated) throw tooLarge(maxBytes);
    throw error;
  }
  if (part.file.truncated) throw tooLarge(maxBytes);
}

/** What a file's columns are ignored for: those Cairn writes itself, and an integer key (the database numbers rows). */
function skippedColumns(collection: CollectionDef): Set<string> {
  const skipped = new Set(WRITTEN_BY_CAIRN);
  if (collection.primaryKey === 'integer') skipped.add('id');
  for (const field of collection.fields) if (field.type === 'autocode') skipped.add(field.field);
  return skipped;
}

/**
 * CSV rows: the first record names the columns, each a field of the collection (400 naming any other).
 * An empty field is null and a quoted empty field `""` the empty string, as exports write them; a json
 * field's text is parsed as JSON; every other value goes to the field's type as text, which parses it
 * as a REST create parses a string.
 */
async function* csvRows(bytes: Readable, collection: CollectionDef, skipped: Set<string>): AsyncGenerator<ImportRow> {
  const parser = bytes.pipe(
    parseCsv({
      bom: true,
      skip_empty_lines: true,
      cast: (value, context) => (value === '' && !context.quoting ? null : value),
    }),
  );
  let header: string[] | null = null;
  let row = 0;
  try {
    for await (const record of parser as AsyncIterable<Array<string | null>>) {
      if (header === null) {
        header = csvHeader(record, collection);
        continue;
      }
      row++;
      const values: Row = {};
      let failure: ImportRow['failure'];
      header.forEach((column, index) => {
        if (skipped.has(column)) return;
        const text = record[index];
        const field = findField(collection, column);
        if (field?.type === 'json' && text !== null) {
          try {
            values[column] = JSON.parse(text) as unknown;
          } catch {
            failure ??= { field: column, message: `"${column}" is not valid JSON text.` };
          }
          return;
        }
        values[column] = text;
      });
      yield { row, values, ...(failure ? { failure } : {}) };
    }
  } catch (error) {
    // csv-parse counts the header among its records: the bad record's data row is the count so far.
    if (error instanceof CsvError) throw malformedCsv(error, typeof error.records === 'number' ? error.records : row + 1);
    throw error;
  } finally {
    bytes.unpipe(parser);
  }
  if (header === null) throw invalidPayload('Invalid payload: the CSV file is empty; its first row names the columns.', 'file');
}

function csvHeader(record: Array<string | null>, collection: CollectionDef): string[] {
  const seen = new Set<string>();
  return record.map((name, index) => {
    const column = (name ?? '').trim();
    if (column === '') throw new AppError('INVALID_PAYLOAD', `Invalid payload: column ${index + 1} of the CSV header has no name.`, { column: index + 1 });
    if (seen.has(column)) throw new AppError('INVALID_PAYLOAD', `Invalid payload: the CSV header names "${column}" twice.`, { field: column });
    if (!findField(collection, column)) throw new AppError('INVALID_PAYLOAD', `Invalid payload: the column "${column}" is not a field of "${collection.name}".`, { field: column });
    seen.add(column);
    return column;
  });
}

function malformedCsv(error: CsvError, row: number): AppError {
  const detail = error.code === 'CSV_RECORD_INCONSISTENT_FIELDS_LENGTH' ? 'it does not have as many fields as the header' : error.code === 'CSV_QUOTE_NOT_CLOSED' ? 'a quoted field is not closed' : 'it is not valid CSV';
  return new AppError('INVALID_PAYLOAD', `Invalid payload: row ${row} of the CSV file is malformed: ${detail}.`, { row, code: error.code });
}

/** JSON rows: an array of objects, each key a field (the create path names any other). */
async function* jsonRows(bytes: Readable, skipped: Set<string>): AsyncGenerator<ImportRow> {
  let row = 0;
  try {
    for await (const element of jsonArrayElements(bytes)) {
      row++;
      if (typeof element !== 'object' || element === null || Array.isArray(element)) {
        yield { row, values: {}, failure: { field: null, message: 'An item must be a JSON object.' } };
        continue;
      }
      const values: Row = {};
      for (const [key, value] of Object.entries(element as Row)) if (!skipped.has(key)) values[key] = value;
      yield { row, values };
    }
  } catch (error) {
    if (error instanceof MalformedJsonArray) throw new AppError('INVALID_PAYLOAD', error.message, error.row === null ? {} : { row: error.row });
    throw error;
  }
}

async function drain(part: MultipartFile): Promise<void> {
  part.file.resume();
  if (part.file.readableEnded || part.file.destroyed) return;
  await new Promise<void>((resolve) => {
    part.file.once('end', resolve);
    part.file.once('close', resolve);
    part.file.once('error', () => resolve());
  });
}

const IMPORT_WORDING: MultipartWording = { parts: 'an import holds one file part, named "file", and nothing else.', tooLarge };

function tooLarge(maxBytes: number): AppError {
  return new AppError('PAYLOAD_TOO_LARGE', `The file is larger than the ${maxBytes} bytes allowed (FILES_MAX_SIZE); nothing was imported.`, { limit: maxBytes });
}
