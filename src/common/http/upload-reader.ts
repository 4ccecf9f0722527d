import { createHash } from 'node:crypto';
import { pipeline, Readable, Transform } from 'node:stream';
import type { MultipartFile, MultipartValue } from '@fastify/multipart';
import type { FastifyRequest } from 'fastify';
import { AppError, invalidPayload } from '../errors/app-error';

/** What the file part of an upload looked like when it began. */
export interface IncomingFile {
  filename: string;
  mimetype: string;
}

/** What the storing of the file part answered: its size and SHA-256, counted as the bytes went by. */
export interface StoredUpload {
  size: number;
  checksum: string;
}

export interface UploadLimits {
  maxFileBytes: number;
  /** The form fields the route takes, besides the file. */
  fields: readonly string[];
}

/** The form fields of an upload and what its one file part was stored as. */
export interface ReadUpload<T> {
  fields: Record<string, string>;
  stored: T;
}

/**
 * Reads a multipart upload part by part, never holding the file whole: form fields are collected, and
 * the one file part is handed to `store` as a stream that hashes and counts its bytes on the way. The
 * fields may come before or after the file. Beyond `maxFileBytes` the stream ends early and the upload
 * is refused with 413 once `store` is done, after `discard` has removed what it kept.
 */
export async function readUpload<T extends StoredUpload>(
  request: FastifyRequest,
  limits: UploadLimits,
  store: (file: IncomingFile, stream: Readable, digest: () => StoredUpload) => Promise<T>,
  discard: (stored: T) => Promise<void>,
): Promise<ReadUpload<T>> {
  if (!request.isMultipart()) throw new AppError('UNSUPPORTED_MEDIA_TYPE', 'An upload is a multipart/form-data body with one file part.');
  const fields: Record<string, string> = {};
  let stored: T | null = null;
  try {
    // preservePath: the name as the client sent it, so that a path in it is refused rather than cut off.
    const parts = request.parts({ preservePath: true, limits: { fileSize: limits.maxFileBytes, files: 2, fields: limits.fields.length, fieldSize: 64 * 1024, parts: limits.fields.length + 2 } });
    for await (const part of parts) {
      if (part.type === 'field') {
        fields[checkedField(part, limits, fields)] = String(part.value);
        continue;
      }
      if (stored !== null) {
        await drain(part);
        throw invalidPayload('Invalid payload: an upload holds one file.', part.fieldname);
      }
      const tap = new DigestTap();
      // An aborted request errors the part, and through the pipeline the tap that storage reads.
      const stream = pipeline(part.file, tap, () => undefined);
      const result = await store({ filename: part.filename, mimetype: part.mimetype }, stream, () => tap.digest());
      stored = result;
      if (part.file.truncated) throw tooLarge(limits.maxFileBytes);
    }
  } catch (error) {
    if (stored !== null) await discard(stored);
    throw multipartError(error, limits.maxFileBytes, UPLOAD_WORDING);
  }
  if (stored === null) throw invalidPayload('Invalid payload: the upload has no file part.', 'file');
  return { fields, stored };
}

function checkedField(part: MultipartValue, limits: UploadLimits, seen: Record<string, string>): string {
  if (!limits.fields.includes(part.fieldname)) throw invalidPayload(`Invalid payload: "${part.fieldname}" is not a field of an upload.`, part.fieldname);
  if (part.fieldname in seen) throw invalidPayload(`Invalid payload: "${part.fieldname}" is given twice.`, part.fieldname);
  if (part.valueTruncated) throw invalidPayload(`Invalid payload: "${part.fieldname}" is too long.`, part.fieldname);
  return part.fieldname;
}

async function drain(part: MultipartFile): Promise<void> {
  for await (const chunk of part.file) void chunk;
}

const UPLOAD_WORDING: MultipartWording = { parts: 'an upload holds one file and the fields title and folder.', tooLarge };

function tooLarge(maxBytes: number): AppError {
  return new AppError('PAYLOAD_TOO_LARGE', `The file is larger than the ${maxBytes} bytes allowed.`, { limit: maxBytes });
}

/** What a multipart route says of its own shape and size, in the errors of `multipartError`. */
export interface MultipartWording {
  /** Said when the body has more parts or files than the route takes. */
  parts: string;
  /** The error for a file beyond the size limit. */
  tooLarge: (maxBytes: number) => AppError;
}

/** The multipart plugin's errors (FST_*) in the contract's codes; others pass as they are. */
export function multipartError(error: unknown, maxBytes: number, wording: MultipartWording): unknown {
  if (error instanceof AppError) return error;
  const code = (error as { code?: unknown }).code;
  switch (code) {
    case 'FST_REQ_FILE_TOO_LARGE':
      return wording.tooLarge(maxBytes);
    case 'FST_PARTS_LIMIT':
    case 'FST_FILES_LIMIT':
    case 'FST_FIELDS_LIMIT':
      return invalidPayload(`Invalid payload: ${wording.parts}`);
    case 'FST_PROTO_VIOLATION':
    case 'FST_INVALID_JSON_FIELD_ERROR':
      return invalidPayload('Invalid payload: a field of the upload is not acceptable.');
    case 'FST_MP_PREMATURE_CLOSE':
      return invalidPayload('Invalid payload: the upload ended before its last part.');
    default:
      // Busboy's own errors (a malformed body) carry no code.
      if (error instanceof Error && /multipart|boundary|part|unexpected end/i.test(error.message) && !('statusCode' in error)) {
        return invalidPayload('Invalid payload: the multipart body is malformed.');
      }
      return error;
  }
}

/** A pass-through stream that hashes (SHA-256) and counts the bytes that cross it. */
class DigestTap extends Transform {
  private readonly hash = createHash('sha256');
  private size = 0;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: (error?: Error | null, data?: Buffer) => void): void {
    this.hash.update(chunk);
    this.size += chunk.length;
    done(null, chunk);
  }

  digest(): StoredUpload {
    return { size: this.size, checksum: this.hash.digest('hex') };
  }
}

