import { AppError, ErrorExtensions } from '../../../common/errors/app-error';
import type { ErrorCode } from '../../../common/errors/error-codes';

type Row = Record<string, unknown>;

/** Rows per read of an export: large enough that a statement's cost is spread thin, small enough to hold. */
export const EXPORT_BATCH_SIZE = 1000;

/** Rows per write of an import: activity, revisions and the grant check are one statement per batch. */
export const IMPORT_BATCH_SIZE = 500;

/** A dry run answers at most this many failures (a file can fail on every row); `rows` still counts all. */
export const MAX_REPORTED_IMPORT_FAILURES = 1000;

/** What an export reads: the columns of its rows, and its rows, one batch at a time. */
export interface ItemsExport {
  /** The top-level fields of every row, in order (a view's are known once its first batch is read). */
  columns: string[];
  batches: AsyncIterable<Row[]>;
}

/** One row of an imported file: its number (the first data row is 1) and its values, or why it has none. */
export interface ImportRow {
  row: number;
  values: Row;
  /** A value the file format itself could not turn into one (JSON text of a json field, say). */
  failure?: { field: string | null; message: string };
}

/** Why one row of an import would fail. */
export interface ImportFailure {
  row: number;
  /** The field (column) at fault; null when the row as a whole is (not an object, say). */
  field: string | null;
  message: string;
}

export interface ImportResult {
  /** Rows read from the file: imported ones, or in a dry run all of them. */
  rows: number;
  /** A dry run's failures, in file order (at most MAX_REPORTED_IMPORT_FAILURES); empty after an import. */
  errors: ImportFailure[];
}

/** The errors of the create path that are a row's fault, and so are reported per row rather than answered. */
export const ROW_FAILURES: ReadonlySet<ErrorCode> = new Set<ErrorCode>(['INVALID_PAYLOAD', 'VALIDATION_FAILED']);

/** A create path error as a row's failure: its field, and its message without the generic prefix. */
export function rowFailureOf(row: number, message: string, extensions: ErrorExtensions): ImportFailure {
  const field = typeof extensions.field === 'string' && extensions.field !== '' ? extensions.field : null;
  return { row, field, message: message.replace(/^Invalid payload: /, '') };
}

/** The 400 of an import refused at its first failing row: the row and field are in the message and extensions. */
export function importRefused(failure: ImportFailure): AppError {
  const where = failure.field ? `row ${failure.row}, column "${failure.field}"` : `row ${failure.row}`;
  return new AppError('INVALID_PAYLOAD', `Invalid payload: ${where}: ${failure.message} Nothing was imported.`, { row: failure.row, field: failure.field });
}
