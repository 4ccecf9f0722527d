import { Readable } from 'node:stream';
import type { MultipartFile } from '@fastify/multipart';
import { Injectable } from '@nestjs/common';
import { CsvError, parse as parseCsv } from 'csv-parse';
import type { FastifyRequest } from 'fastify';
import { AppError, invalidPayload } from '../../../common/errors/app-error';
import type { FilesConfig } from '../../../config/app-config';
import { InjectConfig } from '../../../config/config.module';
import type { RequestOrigin } from '../../audit/activity.recorder';
import { findField } from '../../schema/schema.lookup';
import { SchemaRegistry } from '../../schema/schema.registry';
import type { CollectionDef } from '../../schema/schema.types';
import type { ItemsAccess } from '../../workspaces/workspaces.service';
import { multipartError, MultipartWording } from '../../../common/http/upload-reader';
import { ItemsService } from '../items.service';
import { invalidQuery } from '../../../engine/sql/filter.compiler';
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
    @InjectConfig('files') private readonly config: FilesConfig,
  ) {}

  /**
   * The read of `params` as a file. The first batch is read before anything is sent, so that a bad
   * query or a refused read is answered as an error rather than as a broken download.
   */
  async export(access: ItemsAccess, collection: string, params: Row): Promise<Download> {
    const format = exportFormat(params.export);
    const { columns, batches } = await this.items.exportItems(access, { collection, params });
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
    const maxBytes = this.config.maxSizeBytes;
    let result: ImportResult | null = null;
    let mapping: ColumnMapping | null = null;
    try {
      const parts = request.parts({ limits: { fileSize: maxBytes, files: 1, fields: 1, parts: 2, fieldSize: MAPPING_MAX_BYTES } });
      for await (const part of parts) {
        if (part.type === 'field' && part.fieldname === 'mapping' && result === null) {
          if (part.valueTruncated) throw invalidPayload(`Invalid payload: "mapping" is longer than the ${MAPPING_MAX_BYTES} bytes allowed.`, 'mapping');
          mapping = mappingOf(part.value);
          continue;
        }
        if (part.type !== 'file' || part.fieldname !== 'file') throw invalidPayload('Invalid payload: an import holds one file part, named "file", after an optional "mapping" field.', part.fieldname);
        try {
          const file: ImportFile = { bytes: part.file, format: importFormat(part.mimetype, part.filename), truncated: () => part.file.truncated, maxBytes };
          result = await this.importFile(access, collectionName, file, { dryRun, mapping, origin });
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

  /**
   * Imports a file already opened: the rows of its stream, mapped to the collection's fields, handed to the
   * items door. The multipart route comes here for its file part, and so does the command line for a
   * local file.
   */
  async importFile(access: ItemsAccess, collectionName: string, file: ImportFile, options: { dryRun: boolean; mapping: ColumnMapping | null; origin: RequestOrigin }): Promise<ImportResult> {
    const schema = await this.registry.forWorkspace(access.workspace);
    const collection = schema.collections.get(collectionName);
    // Unknown collections and missing grants are the items door's to answer, as for any create.
    const rows = collection ? fileRows(file, collection, options.mapping) : emptyRows();
    return this.items.importItems(access, collectionName, rows, { dryRun: options.dryRun, origin: options.origin });
  }
}

/** A file to import: its bytes as they arrive, its format, and whether a size limit cut it short. */
export interface ImportFile {
  bytes: Readable;
  format: TransferFormat;
  /** True once the bytes were cut at `maxBytes`: the file is refused (413) rather than read as whole. */
  truncated(): boolean;
  maxBytes: number;
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
async function* fileRows(file: ImportFile, collection: CollectionDef, mapping: ColumnMapping | null): AsyncGenerator<ImportRow> {
  const skipped = skippedColumns(collection);
  // Checked when the rows are first wanted: after the items door has checked the caller may create.
  if (mapping) checkMapping(mapping, collection);
  try {
    if (file.format === 'csv') yield* csvRows(file.bytes, collection, skipped, mapping);
    else yield* jsonRows(file.bytes, skipped, mapping);
  } catch (error) {
    if (file.truncated()) throw tooLarge(file.maxBytes);
    throw error;
  }
  if (file.truncated()) throw tooLarge(file.maxBytes);
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
async function* csvRows(bytes: Readable, collection: CollectionDef, skipped: Set<string>, mapping: ColumnMapping | null): AsyncGenerator<ImportRow> {
  // Each record with its raw text, rather than a cast function: csv-parse builds a context object for
  // every field it casts, which cost ten times the parse itself. The raw text is only read for records
  // with an empty field, to tell a quoted "" from nothing.
  const parser = bytes.pipe(parseCsv({ bom: true, skip_empty_lines: true, raw: true }));
  let header: CsvColumn[] | null = null;
  let row = 0;
  try {
    for await (const { record, raw } of parser as AsyncIterable<{ record: Array<string | null>; raw: string }>) {
      if (record.includes('')) nullEmptyFields(record, raw);
      if (header === null) {
        header = csvHeader(record, collection, mapping).map((field, index) => ({ index, field, json: field !== null && findField(collection, field)?.type === 'json' })).filter((column): column is CsvColumn => column.field !== null && !skipped.has(column.field));
        continue;
      }
      row++;
      const values: Row = {};
      let failure: ImportRow['failure'];
      for (const { index, field, json } of header) {
        const text = record[index];
        if (json && text !== null) {
          try {
            values[field] = JSON.parse(text) as unknown;
          } catch {
            failure ??= { field, message: `"${field}" is not valid JSON text.` };
          }
          continue;
        }
        values[field] = text;
      }
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

/** A column of a CSV file that is imported: its position in each record and the field it goes to. */
interface CsvColumn {
  index: number;
  field: string;
  json: boolean;
}

/**
 * Makes the empty fields of a record null, but those written as a quoted "" (the empty string), found
 * in the record's raw text.
 */
function nullEmptyFields(record: Array<string | null>, raw: string): void {
  let field = 0;
  let i = 0;
  for (;;) {
    if (raw[i] === '"') {
      // A quoted field, "" included, stays as it is: up to its closing quote, a doubled quote inside it being one quote.
      for (i++; i < raw.length; i++) {
        if (raw[i] !== '"') continue;
        if (raw[i + 1] === '"') i++;
        else {
          i++;
          break;
        }
      }
    } else {
      while (i < raw.length && raw[i] !== ',' && raw[i] !== '\r' && raw[i] !== '\n') i++;
      if (record[field] === '') record[field] = null;
    }
    if (raw[i] !== ',' || field >= record.length - 1) break;
    i++;
    field++;
  }
}

/** The field of each column of the header (null: the mapping skips it). */
function csvHeader(record: Array<string | null>, collection: CollectionDef, mapping: ColumnMapping | null): Array<string | null> {
  const seen = new Set<string>();
  const fields = new Set<string>();
  return record.map((name, index) => {
    const column = (name ?? '').trim();
    if (column === '') throw new AppError('INVALID_PAYLOAD', `Invalid payload: column ${index + 1} of the CSV header has no name.`, { column: index + 1 });
    if (seen.has(column)) throw new AppError('INVALID_PAYLOAD', `Invalid payload: the CSV header names "${column}" twice.`, { field: column });
    seen.add(column);
    const field = mapping && column in mapping ? mapping[column] : column;
    if (field === null) return null;
    if (!findField(collection, field)) throw new AppError('INVALID_PAYLOAD', `Invalid payload: the column "${column}" is not a field of "${collection.name}"; map it to one or skip it.`, { field: column });
    if (fields.has(field)) throw new AppError('INVALID_PAYLOAD', `Invalid payload: two columns of the CSV file go to the field "${field}".`, { field });
    fields.add(field);
    return field;
  });
}

function malformedCsv(error: CsvError, row: number): AppError {
  const detail = error.code === 'CSV_RECORD_INCONSISTENT_FIELDS_LENGTH' ? 'it does not have as many fields as the header' : error.code === 'CSV_QUOTE_NOT_CLOSED' ? 'a quoted field is not closed' : 'it is not valid CSV';
  return new AppError('INVALID_PAYLOAD', `Invalid payload: row ${row} of the CSV file is malformed: ${detail}.`, { row, code: error.code });
}

/** JSON rows: an array of objects, each key a field (the create path names any other). */
async function* jsonRows(bytes: Readable, skipped: Set<string>, mapping: ColumnMapping | null): AsyncGenerator<ImportRow> {
  let row = 0;
  try {
    for await (const element of jsonArrayElements(bytes)) {
      row++;
      if (typeof element !== 'object' || element === null || Array.isArray(element)) {
        yield { row, values: {}, failure: { field: null, message: 'An item must be a JSON object.' } };
        continue;
      }
      const values: Row = {};
      for (const [key, value] of Object.entries(element as Row)) {
        const field = mapping && key in mapping ? mapping[key] : key;
        if (field !== null && !skipped.has(field)) values[field] = value;
      }
      yield { row, values };
    }
  } catch (error) {
    if (error instanceof MalformedJsonArray) throw new AppError('INVALID_PAYLOAD', error.message, error.row === null ? {} : { row: error.row });
    throw error;
  }
}

/** The column mapping of an import: a file's column (CSV) or key (JSON) → the field it goes to, or null to skip it. */
export type ColumnMapping = Record<string, string | null>;

/** The largest `mapping` field taken, in bytes: a mapping of thousands of columns fits. */
const MAPPING_MAX_BYTES = 256 * 1024;

/**
 * The `mapping` field's JSON: an object of column names to field names, "" or null skipping the column.
 * Sent as text, it is parsed here; sent as application/json, the multipart plugin has parsed it.
 */
export function mappingOf(value: unknown): ColumnMapping {
  let parsed: unknown = value;
  if (typeof value === 'string') {
    try {
      parsed = JSON.parse(value);
    } catch {
      parsed = undefined;
    }
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw invalidPayload('Invalid payload: "mapping" is a JSON object of file columns to field names, {"column": "field"}, a null or "" field skipping the column.', 'mapping');
  }
  const mapping: ColumnMapping = Object.create(null) as ColumnMapping;
  for (const [column, field] of Object.entries(parsed as Row)) {
    if (field !== null && typeof field !== 'string') throw invalidPayload(`Invalid payload: the mapping of "${column}" is not a field name (a string, or null to skip the column).`, `mapping.${column}`);
    mapping[column] = field === null || field.trim() === '' ? null : field.trim();
  }
  return mapping;
}

/** A mapping whose every target is a field of the collection (400 naming the first that is not). */
function checkMapping(mapping: ColumnMapping, collection: CollectionDef): void {
  for (const [column, field] of Object.entries(mapping)) {
    if (field !== null && !findField(collection, field)) throw new AppError('INVALID_PAYLOAD', `Invalid payload: the mapping sends "${column}" to "${field}", which is not a field of "${collection.name}".`, { field: `mapping.${column}` });
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

const IMPORT_WORDING: MultipartWording = { parts: 'an import holds one file part, named "file", after an optional "mapping" field, and nothing else.', tooLarge };

function tooLarge(maxBytes: number): AppError {
  return new AppError('PAYLOAD_TOO_LARGE', `The file is larger than the ${maxBytes} bytes allowed (FILES_MAX_SIZE); nothing was imported.`, { limit: maxBytes });
}
