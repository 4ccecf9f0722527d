import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import sharp from 'sharp';
import { AppError } from '../../src/common/errors/app-error';
import { readTransformSettings, resolveTransform, transformSignature } from '../../src/modules/files/transforms/image-transform';
import { ImageTransformer, TransformRefused } from '../../src/modules/files/transforms/image-transformer';
import { fileOfVariant, variantKey } from '../../src/modules/files/transforms/variant-keys';

describe('image transform settings', () => {
  it('reads a query as digits and a body as JSON numbers, each refused naming its field', () => {
    assert.deepEqual(readTransformSettings({ width: '200', fit: 'contain', format: 'avif', quality: '70', other: 'x' }, 4000, 'query'), { width: 200, fit: 'contain', format: 'avif', quality: 70 });
    assert.deepEqual(readTransformSettings({ width: 200, height: null }, 4000, 'body'), { width: 200 });
    for (const [input, source, field, code] of [
      [{ width: 200 }, 'query', 'width', 'INVALID_QUERY'],
      [{ width: '200' }, 'body', 'width', 'INVALID_PAYLOAD'],
      [{ height: '4001' }, 'query', 'height', 'INVALID_QUERY'],
      [{ quality: 0 }, 'body', 'quality', 'INVALID_PAYLOAD'],
      [{ format: ['png', 'webp'] }, 'query', 'format', 'INVALID_QUERY'],
    ] as const) {
      assert.throws(() => readTransformSettings(input, 4000, source), (error: unknown) => error instanceof AppError && error.code === code && error.extensions.field === field);
    }
  });

  it('fills in the defaults and drops a fit that changes nothing, so one transform has one signature', () => {
    const thumb = { width: 64, height: 64, format: 'webp' } as const;
    assert.equal(transformSignature(resolveTransform(thumb, {}, 'jpeg')), 'w64-h64-cover-q.webp');
    assert.equal(transformSignature(resolveTransform(thumb, { fit: 'cover' }, 'jpeg')), 'w64-h64-cover-q.webp');
    assert.equal(transformSignature(resolveTransform(thumb, { format: 'png', quality: 80 }, 'jpeg')), 'w64-h64-cover-q80.png');
    assert.equal(transformSignature(resolveTransform(null, { width: 64, fit: 'contain' }, 'jpeg')), 'w64-h-cover-q.jpeg');
    assert.equal(transformSignature(resolveTransform(null, { height: 10 }, 'gif')), 'w-h10-cover-q.png');
    const key = variantKey('ws-1', 'c0ffee00-0000-4000-8000-000000000000', resolveTransform(thumb, {}, 'png'));
    assert.equal(key, 'ws-1/c0ffee00-0000-4000-8000-000000000000.variant-w64-h64-cover-q.webp');
    assert.equal(fileOfVariant(key.split('/')[1]), 'c0ffee00-0000-4000-8000-000000000000');
    assert.equal(fileOfVariant('c0ffee00-0000-4000-8000-000000000000.png'), null);
  });
});

describe('ImageTransformer', () => {
  it('runs no more transforms at once than its bound, the others waiting their turn', async () => {
    const source = await sharp({ create: { width: 1500, height: 1500, channels: 3, background: 'green' } }).png().toBuffer();
    const transformer = new ImageTransformer({ maxInputPixels: 10_000_000, concurrency: 1 });
    let most = 0;
    let sampling = true;
    const sample = async () => {
      while (sampling) {
        most = Math.max(most, sharp.counters().process);
        await new Promise((resolve) => setImmediate(resolve));
      }
    };
    const sampler = sample();
    const outputs = await Promise.all([100, 200, 300, 400].map((width) => transformer.transform(source, { width, height: null, fit: 'cover', format: 'webp', quality: null })));
    sampling = false;
    await sampler;
    assert.equal(most, 1);
    assert.deepEqual(await Promise.all(outputs.map(async (output) => (await sharp(output).metadata()).width)), [100, 200, 300, 400]);
  });

  it('refuses an image over its pixel limit from the header, and bytes that are not an accepted image', async () => {
    const transformer = new ImageTransformer({ maxInputPixels: 1000, concurrency: 2 });
    const large = await sharp({ create: { width: 40, height: 40, channels: 3, background: 'red' } }).png().toBuffer();
    const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>');
    const thumb = { width: 10, height: null, fit: 'cover', format: 'png', quality: null } as const;
    await assert.rejects(transformer.transform(large, thumb), (error: unknown) => error instanceof TransformRefused && error.reason === 'too-large');
    await assert.rejects(transformer.transform(svg, thumb), (error: unknown) => error instanceof TransformRefused && error.reason === 'not-an-image');
    await assert.rejects(transformer.transform(Buffer.from('nothing'), thumb), (error: unknown) => error instanceof TransformRefused && error.reason === 'not-an-image');
  });
});
