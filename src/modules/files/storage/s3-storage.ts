import { Readable, Transform } from 'node:stream';
import { DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import type { S3Config } from '../../../config/app-config';
import { assertStorageKey, ByteRange, StorageDriver, StoredObject } from './storage-driver';

/** Parts of 8 MiB, four in flight: an upload holds at most about 32 MiB, whatever the file's size. */
const PART_SIZE = 8 * 1024 * 1024;
const QUEUE_SIZE = 4;

/** The S3 client of a configuration: AWS, or an S3-compatible service at `endpoint` (MinIO, R2). */
export function s3Client(config: S3Config): S3Client {
  return new S3Client({
    region: config.region,
    ...(config.endpoint ? { endpoint: config.endpoint } : {}),
    forcePathStyle: config.forcePathStyle,
    // Without explicit keys the SDK's default chain applies: environment, shared profile, instance role.
    ...(config.credentials ? { credentials: config.credentials } : {}),
  });
}

/**
 * Objects in one S3 bucket (or an S3-compatible one), keyed as the local driver's paths. Uploads go
 * through lib-storage's `Upload`, which sends a stream as a multipart upload part by part; ranges are
 * `GetObject`'s `Range`.
 */
export class S3Storage implements StorageDriver {
  readonly name = 's3';

  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
  ) {}

  async write(key: string, stream: Readable): Promise<{ size: number }> {
    assertStorageKey(key);
    let size = 0;
    const counted = stream.pipe(
      new Transform({
        transform(chunk: Buffer, _encoding, done) {
          size += chunk.length;
          done(null, chunk);
        },
      }),
    );
    // An error of the source would otherwise leave the upload waiting for the rest of the body.
    stream.once('error', (error) => counted.destroy(error));
    const upload = new Upload({ client: this.client, params: { Bucket: this.bucket, Key: key, Body: counted }, partSize: PART_SIZE, queueSize: QUEUE_SIZE });
    await upload.done();
    return { size };
  }

  async read(key: string, range?: ByteRange): Promise<Readable> {
    assertStorageKey(key);
    const answer = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key, ...(range ? { Range: `bytes=${range.start}-${range.end}` } : {}) }));
    if (!(answer.Body instanceof Readable)) throw new Error(`S3 answered no readable body for ${key}`);
    return answer.Body;
  }

  async stat(key: string): Promise<StoredObject | null> {
    assertStorageKey(key);
    try {
      const head = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return { size: Number(head.ContentLength ?? 0), modified: head.LastModified ?? new Date(0) };
    } catch (error) {
      if (isNotFound(error)) return null;
      throw error;
    }
  }

  async delete(key: string): Promise<void> {
    assertStorageKey(key);
    // S3 answers a delete of a missing key with success.
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
  }

  async *list(prefix?: string): AsyncIterable<{ key: string; modified: Date }> {
    let token: string | undefined;
    do {
      const page = await this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, ContinuationToken: token, ...(prefix !== undefined ? { Prefix: prefix } : {}) }));
      for (const object of page.Contents ?? []) {
        if (object.Key) yield { key: object.Key, modified: object.LastModified ?? new Date(0) };
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }
}

function isNotFound(error: unknown): boolean {
  const failure = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  return failure.name === 'NotFound' || failure.name === 'NoSuchKey' || failure.$metadata?.httpStatusCode === 404;
}
