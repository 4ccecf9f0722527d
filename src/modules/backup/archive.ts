import { createHash, type Hash } from 'node:crypto';
import { Readable, Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createGzip } from 'node:zlib';
import { extract, pack, type Pack } from 'tar-stream';
import { AppError } from '../../common/errors/app-error';
import { CHECKSUMS_ENTRY, MAX_JSON_ENTRY_BYTES, notABackup } from './backup.format';

/**
 * Writes a backup archive: tar entries, gzipped, to an output stream, with the SHA-256 of each entry
 * recorded and written last as `checksums.json`. Entries are written one at a time, each waiting for
 * the output to take it, so a slow download holds back the reads rather than filling memory.
 */
export class ArchiveWriter {
  private readonly tar: Pack = pack();
  private readonly checksums: Record<string, string> = {};
  private readonly sent: Promise<void>;

  constructor(output: Writable) {
    this.sent = pipeline(this.tar, createGzip(), output);
    // Seen by finish() or by the entry that fails; never an unhandled rejection in between.
    this.sent.catch(() => undefined);
  }

  /** An entry from text or bytes. */
  async add(name: string, content: string | Buffer): Promise<void> {
    const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
    await this.addStream(name, bytes.length, Readable.from([bytes]));
  }

  /** An entry from a stream of `size` bytes (a file's bytes from the storage driver). */
  async addStream(name: string, size: number, stream: Readable): Promise<void> {
    const hash = createHash('sha256');
    const tap = hashingTap(hash);
    const written = new Promise<void>((resolve, reject) => {
      const sink = this.tar.entry({ name, size, mtime: new Date(0) }, (error) => (error ? reject(error) : resolve()));
      pipeline(stream, tap, sink).catch(reject);
    });
    await Promise.race([written, this.sent.then(() => Promise.reject(new Error('the archive was closed')))]);
    this.checksums[name] = hash.digest('hex');
  }

  /** Writes the checksums and ends the archive; resolves once the output has taken everything. */
  async finish(): Promise<void> {
    const text = JSON.stringify(this.checksums);
    await new Promise<void>((resolve, reject) => this.tar.entry({ name: CHECKSUMS_ENTRY, mtime: new Date(0) }, text, (error) => (error ? reject(error) : resolve())));
    this.tar.finalize();
    await this.sent;
  }

  /** Ends the archive without its checksums, after a failure: a restore refuses it as incomplete. */
  abort(error: Error): void {
    this.tar.destroy(error);
  }
}

/** A pass-through stream that feeds what goes through it to `hash`. */
function hashingTap(hash: Hash): Transform {
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      done(null, chunk);
    },
  });
}

/** One entry of an archive as a restore reads it: its name, and its content as text or as a stream. */
export interface ArchiveEntry {
  name: string;
  size: number;
  /** The whole entry as UTF-8 text (400 beyond MAX_JSON_ENTRY_BYTES). */
  text(): Promise<string>;
  /** The entry's bytes, to be read to the end before the next entry. */
  stream: Readable;
}

/**
 * Reads an archive front to back: each entry with its SHA-256 computed as it is read, and, after the
 * last, `checksums.json` held against them, so a changed or missing entry is refused. A stream that
 * is not a gzipped tar, or one cut short, is refused too (400).
 */
export class ArchiveReader {
  private readonly digests = new Map<string, string>();
  private checksums: Record<string, unknown> | null = null;

  constructor(private readonly input: Readable) {}

  /** The entries, `checksums.json` excluded; throws at the end when the archive is incomplete or altered. */
  async *entries(): AsyncGenerator<ArchiveEntry> {
    const tar = extract();
    const gunzip = createGunzip();
    const fed = pipeline(this.input, gunzip, tar).catch((error: unknown) => {
      tar.destroy(error as Error);
    });
    try {
      for await (const entry of tar) {
        const name = entry.header.name;
        if (this.checksums) throw notABackup(`${name} comes after ${CHECKSUMS_ENTRY}, which must be last.`);
        if (this.digests.has(name) || name === CHECKSUMS_ENTRY) {
          if (name === CHECKSUMS_ENTRY) {
            this.checksums = await this.readChecksums(entry);
            continue;
          }
          throw notABackup(`${name} is in the archive twice.`);
        }
        const hash = createHash('sha256');
        const hashed = hashingTap(hash);
        const piped = pipeline(entry, hashed);
        piped.catch(() => undefined);
        const size = entry.header.size ?? 0;
        yield {
          name,
          size,
          stream: hashed,
          text: async () => {
            if (size > MAX_JSON_ENTRY_BYTES) throw notABackup(`${name} is larger than a Cairn archive's entries are.`);
            const chunks: Buffer[] = [];
            try {
              for await (const chunk of hashed) chunks.push(chunk as Buffer);
            } catch (error) {
              throw archiveError(error);
            }
            return Buffer.concat(chunks).toString('utf8');
          },
        };
        // Whatever the consumer left unread is read off, so the next entry comes and the digest is whole.
        if (!hashed.readableEnded) hashed.resume();
        await piped;
        this.digests.set(name, hash.digest('hex'));
      }
    } catch (error) {
      throw archiveError(error);
    } finally {
      // Stopped early (a refusal, a failed write): the rest of the upload is read off and dropped, so
      // that the client, still sending, gets the answer.
      if (!tar.destroyed && !gunzip.writableFinished) {
        this.input.unpipe();
        this.input.resume();
        tar.destroy();
      }
    }
    await fed;
    this.verify();
  }

  private async readChecksums(entry: AsyncIterable<unknown>): Promise<Record<string, unknown>> {
    const chunks: Buffer[] = [];
    for await (const chunk of entry) chunks.push(chunk as Buffer);
    try {
      const parsed = JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
      if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
    } catch {
      // answered below
    }
    throw notABackup(`${CHECKSUMS_ENTRY} is not a JSON object.`);
  }

  private verify(): void {
    if (!this.checksums) throw notABackup(`it ends before ${CHECKSUMS_ENTRY}: it is incomplete (cut short, or its backup failed).`);
    for (const [name, digest] of this.digests) {
      if (this.checksums[name] !== digest) throw notABackup(`${name} does not match its checksum: the archive was altered or damaged.`);
    }
    const missing = Object.keys(this.checksums).find((name) => !this.digests.has(name));
    if (missing !== undefined) throw notABackup(`${missing} is listed in ${CHECKSUMS_ENTRY} but missing.`);
  }
}

/**
 * An error met while reading the archive's bytes (not gzip, not tar, cut short) as a 400; Cairn's own
 * refusals as they are. Only reading happens in the reader's frame: the restore's writes fail in its own.
 */
export function archiveError(error: unknown): unknown {
  if (error instanceof AppError) return error;
  return notABackup('it is not a complete gzipped tar file (damaged or cut short).');
}
