import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import {
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { s3Client, S3Storage } from '../../src/modules/files/storage/s3-storage';

type Command = { constructor: { name: string }; input: Record<string, unknown> };

/**
 * An S3Storage over a real S3Client whose `send` is stubbed: each command is recorded (streamed bodies
 * read to the end, as the service would) and answered by `answer`. Nothing leaves the process.
 */
function stubbedStorage(answer: (command: Command, body: Buffer | null) => unknown = () => ({})) {
  const client = s3Client({ bucket: 'cairn-files', region: 'eu-west-1', endpoint: 'http://127.0.0.1:9', forcePathStyle: true, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
  const sent: Array<{ name: string; input: Record<string, unknown>; body: Buffer | null }> = [];
  (client as unknown as { send: (command: Command) => Promise<unknown> }).send = async (command: Command) => {
    let body: Buffer | null = null;
    const raw = command.input.Body;
    if (raw instanceof Readable) {
      const chunks: Buffer[] = [];
      for await (const chunk of raw) chunks.push(Buffer.from(chunk as Buffer));
      body = Buffer.concat(chunks);
    } else if (raw instanceof Uint8Array) {
      body = Buffer.from(raw);
    }
    sent.push({ name: command.constructor.name, input: command.input, body });
    const answered = answer(command, body);
    if (answered instanceof Error) throw answered;
    return answered;
  };
  return { storage: new S3Storage(client, 'cairn-files'), sent };
}

const KEY = '0b7e4a7c-9d0e-4f43-8c4e-1f6f7a9b2c3d/5d9f1e2a-7b3c-4d5e-8f90-a1b2c3d4e5f6.png';
const sha = (data: Buffer) => createHash('sha256').update(data).digest('hex');

describe('S3Storage', () => {
  it('writes a small stream with one PutObject to the bucket and key, and answers its size', async () => {
    const { storage, sent } = stubbedStorage();
    const data = randomBytes(1000);
    const { size } = await storage.write(KEY, Readable.from([data.subarray(0, 400), data.subarray(400)]));
    assert.equal(size, 1000);
    assert.deepEqual(sent.map((s) => s.name), [PutObjectCommand.name]);
    assert.equal(sent[0].input.Bucket, 'cairn-files');
    assert.equal(sent[0].input.Key, KEY);
    assert.equal(sha(sent[0].body!), sha(data));
  });

  it('writes a large stream as a multipart upload, part by part', async () => {
    const { storage, sent } = stubbedStorage((command) => {
      if (command instanceof CreateMultipartUploadCommand) return { UploadId: 'upload-1' };
      if (command instanceof UploadPartCommand) return { ETag: `"etag-${String(command.input.PartNumber)}"` };
      return {};
    });
    const data = randomBytes(9 * 1024 * 1024);
    const chunks = Array.from({ length: 9 }, (_, i) => data.subarray(i * 1024 * 1024, (i + 1) * 1024 * 1024));
    const { size } = await storage.write(KEY, Readable.from(chunks));
    assert.equal(size, data.length);
    const names = sent.map((s) => s.name);
    assert.equal(names[0], CreateMultipartUploadCommand.name);
    assert.equal(names.filter((name) => name === UploadPartCommand.name).length, 2);
    assert.equal(names.at(-1), CompleteMultipartUploadCommand.name);
    const parts = sent.filter((s) => s.name === UploadPartCommand.name).sort((a, b) => Number(a.input.PartNumber) - Number(b.input.PartNumber));
    for (const part of parts) {
      assert.equal(part.input.Bucket, 'cairn-files');
      assert.equal(part.input.Key, KEY);
      assert.equal(part.input.UploadId, 'upload-1');
    }
    assert.equal(sha(Buffer.concat(parts.map((p) => p.body!))), sha(data));
  });

  it('reads a range with GetObject Range, and the whole object without one', async () => {
    const { storage, sent } = stubbedStorage(() => ({ Body: Readable.from([Buffer.from('0123456789')]) }));
    const stream = await storage.read(KEY, { start: 10, end: 19 });
    let text = '';
    for await (const chunk of stream) text += String(chunk);
    assert.equal(text, '0123456789');
    await storage.read(KEY);
    assert.deepEqual(
      sent.map((s) => [s.name, s.input]),
      [
        [GetObjectCommand.name, { Bucket: 'cairn-files', Key: KEY, Range: 'bytes=10-19' }],
        [GetObjectCommand.name, { Bucket: 'cairn-files', Key: KEY }],
      ],
    );
  });

  it('stats with HeadObject, answering null for a missing object', async () => {
    const modified = new Date('2024-01-02T03:04:05Z');
    const present = stubbedStorage(() => ({ ContentLength: 42, LastModified: modified }));
    assert.deepEqual(await present.storage.stat(KEY), { size: 42, modified });
    assert.equal(present.sent[0].name, HeadObjectCommand.name);
    const missing = stubbedStorage(() => Object.assign(new Error('not found'), { name: 'NotFound', $metadata: { httpStatusCode: 404 } }));
    assert.equal(await missing.storage.stat(KEY), null);
  });

  it('deletes with DeleteObject and lists every page of keys', async () => {
    const { storage, sent } = stubbedStorage((command) => {
      if (!(command instanceof ListObjectsV2Command)) return {};
      return command.input.ContinuationToken
        ? { Contents: [{ Key: 'b/2', LastModified: new Date(0) }], IsTruncated: false }
        : { Contents: [{ Key: 'a/1', LastModified: new Date(0) }], IsTruncated: true, NextContinuationToken: 'next' };
    });
    await storage.delete(KEY);
    const keys: string[] = [];
    for await (const object of storage.list()) keys.push(object.key);
    assert.deepEqual(keys, ['a/1', 'b/2']);
    assert.deepEqual(sent[0], { name: DeleteObjectCommand.name, input: { Bucket: 'cairn-files', Key: KEY }, body: null });
  });

  it('lists only the keys under a prefix (a file\'s variants) with ListObjectsV2\'s Prefix', async () => {
    const { storage, sent } = stubbedStorage(() => ({ Contents: [{ Key: 'ws/f1.variant-w10-h-cover-q.png', LastModified: new Date(0) }], IsTruncated: false }));
    const keys: string[] = [];
    for await (const object of storage.list('ws/f1.variant-')) keys.push(object.key);
    assert.deepEqual(keys, ['ws/f1.variant-w10-h-cover-q.png']);
    assert.equal(sent[0].input.Prefix, 'ws/f1.variant-');
  });

  it('refuses keys that are not two safe segments, before sending anything', async () => {
    const { storage, sent } = stubbedStorage();
    for (const key of ['../etc/passwd', 'ws/../x', 'ws/a/b', 'ws/', 'ws/na me', '/abs']) {
      await assert.rejects(storage.read(key), /Refused storage key/);
      await assert.rejects(storage.delete(key), /Refused storage key/);
    }
    assert.equal(sent.length, 0);
  });
});
