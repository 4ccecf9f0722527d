import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readdir, rename, rm, stat, unlink } from 'node:fs/promises';
import { join, relative, resolve, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { randomBytes } from 'node:crypto';
import { assertStorageKey, ByteRange, StorageDriver, StoredObject } from './storage-driver';

/** Partial writes carry this suffix until they are complete, so a reader never sees half a file. */
export const PARTIAL_SUFFIX = '.partial';

/**
 * Files on the local disk under one root, one subfolder per workspace. Each key is checked twice: its
 * shape (`assertStorageKey`) and the resolved path, which must stay inside the root.
 */
export class LocalStorage implements StorageDriver {
  readonly name = 'local';
  private readonly root: string;

  constructor(root: string) {
    this.root = resolve(root);
  }

  async write(key: string, stream: Readable): Promise<{ size: number }> {
    const path = this.pathOf(key);
    await mkdir(join(path, '..'), { recursive: true });
    // Written beside its final name and renamed once complete: a crash leaves only a partial file,
    // which the sweep removes, never a truncated object under a key that a row names.
    const partial = `${path}.${randomBytes(4).toString('hex')}${PARTIAL_SUFFIX}`;
    const out = createWriteStream(partial, { flags: 'wx' });
    try {
      await pipeline(stream, out);
      await rename(partial, path);
    } catch (error) {
      await rm(partial, { force: true });
      throw error;
    }
    return { size: out.bytesWritten };
  }

  async read(key: string, range?: ByteRange): Promise<Readable> {
    const path = this.pathOf(key);
    const stream = createReadStream(path, range ? { start: range.start, end: range.end } : {});
    // Surface a missing file here, not as an error event after the response has started.
    await new Promise<void>((done, fail) => {
      stream.once('open', () => done());
      stream.once('error', fail);
    });
    return stream;
  }

  async stat(key: string): Promise<StoredObject | null> {
    try {
      const info = await stat(this.pathOf(key));
      return { size: info.size, modified: info.mtime };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
  }

  async delete(key: string): Promise<void> {
    try {
      await unlink(this.pathOf(key));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }

  async *list(prefix?: string): AsyncIterable<{ key: string; modified: Date }> {
    const [onlyFolder, namePrefix] = prefix === undefined ? [null, ''] : splitPrefix(prefix);
    const folders = await readdir(this.root, { withFileTypes: true }).catch(() => []);
    for (const folder of folders) {
      if (!folder.isDirectory() || (onlyFolder !== null && folder.name !== onlyFolder)) continue;
      for (const file of await readdir(join(this.root, folder.name), { withFileTypes: true })) {
        if (!file.isFile() || !file.name.startsWith(namePrefix)) continue;
        const key = `${folder.name}/${file.name}`;
        try {
          assertStorageKey(key);
        } catch {
          continue;
        }
        const info = await stat(join(this.root, folder.name, file.name)).catch(() => null);
        if (info) yield { key, modified: info.mtime };
      }
    }
  }

  /** The absolute path of a key, refused unless it is a well-formed key that stays inside the root. */
  private pathOf(key: string): string {
    const [folder, name] = assertStorageKey(key);
    const path = resolve(this.root, folder, name);
    const inside = relative(this.root, path);
    if (inside.startsWith('..') || inside.includes(`..${sep}`) || resolve(this.root, inside) !== path || inside.split(sep).length !== 2) {
      throw new Error(`Refused storage key ${JSON.stringify(key)}`);
    }
    return path;
  }
}

/** A listing prefix as the folder it lists and the start of the names it keeps. */
function splitPrefix(prefix: string): [string, string] {
  const slash = prefix.indexOf('/');
  if (slash <= 0) throw new Error(`Refused storage prefix ${JSON.stringify(prefix)}`);
  return [prefix.slice(0, slash), prefix.slice(slash + 1)];
}
