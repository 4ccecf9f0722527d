import type { Readable } from 'node:stream';

/** An inclusive range of bytes of a stored object, as a `Range` header asks for it. */
export interface ByteRange {
  start: number;
  end: number;
}

export interface StoredObject {
  size: number;
  modified: Date;
}

/**
 * Where files' bytes live. Keys are `<workspace id>/<file name>`, made by Cairn alone; every driver
 * refuses any other shape (see `assertStorageKey`), so no name from a client reaches a path or a bucket key.
 */
export interface StorageDriver {
  /** The driver's name, stored with each file. */
  readonly name: string;
  /** Stores a stream under `key`, without holding it whole in memory; answers the bytes written. */
  write(key: string, stream: Readable): Promise<{ size: number }>;
  /** The object's bytes, or the range of them. */
  read(key: string, range?: ByteRange): Promise<Readable>;
  /** The object's size and time, or null when there is none. */
  stat(key: string): Promise<StoredObject | null>;
  /** Removes an object; an object that is not there is not an error. */
  delete(key: string): Promise<void>;
  /**
   * Every key, with its time, for the sweep of bytes that no file row names; with a prefix
   * (`<workspace id>/<start of a name>`), only the keys that start with it, such as a file's variants.
   */
  list(prefix?: string): AsyncIterable<{ key: string; modified: Date }>;
}

/** The injection token of the configured driver. */
export const STORAGE_DRIVER = Symbol('STORAGE_DRIVER');

const SEGMENT = /^[A-Za-z0-9._-]+$/;

/** Throws unless `key` is two safe segments, `<folder>/<name>`, neither of them `.` or `..`. */
export function assertStorageKey(key: string): [string, string] {
  const segments = key.split('/');
  if (segments.length !== 2 || !segments.every((segment) => SEGMENT.test(segment) && segment !== '.' && segment !== '..' && segment.length <= 128)) {
    throw new Error(`Refused storage key ${JSON.stringify(key)}`);
  }
  return [segments[0], segments[1]];
}

/** The key of a file's bytes. */
export function storageKey(workspaceId: string, filenameDisk: string): string {
  return `${workspaceId}/${filenameDisk}`;
}
