import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { crc32 } from 'node:zlib';
import sharp from 'sharp';
import { ORPHAN_GRACE_MS, OrphanSweeper } from '../../src/modules/files/orphan-sweeper';
import { describeEachDatabase, Suite } from '../support/app';
import { newAppUser } from '../support/app-users';
import { addMember, assertError, newAccount, newOwnedWorkspace, OwnedWorkspace } from '../support/factories';
import { multipartBody, sha256 } from '../support/uploads';

/** An answer of `/assets/{id}` with its bytes as they came (the test client reads text). */
async function fetchAsset(suite: Suite, owned: OwnedWorkspace, id: string, query: string, token: string | null = owned.owner.accessToken) {
  const response = await fetch(`${suite.app.url}${owned.base}/assets/${id}${query}`, token ? { headers: { authorization: `Bearer ${token}` } } : {});
  const bytes = Buffer.from(await response.arrayBuffer());
  return { status: response.status, headers: response.headers, bytes, json: () => JSON.parse(bytes.toString('utf8')) };
}

/** A real image of a size, made with sharp: a gradient-free block of colour with a square in it, so resizes have something to keep. */
async function image(width: number, height: number, format: 'jpeg' | 'png' | 'webp'): Promise<Buffer> {
  const square = await sharp({ create: { width: Math.ceil(width / 4), height: Math.ceil(height / 4), channels: 3, background: { r: 20, g: 200, b: 40 } } }).png().toBuffer();
  return sharp({ create: { width, height, channels: 3, background: { r: 200, g: 40, b: 30 } } })
    .composite([{ input: square, top: 10, left: 10 }])
    .toFormat(format)
    .toBuffer();
}

async function upload(owned: OwnedWorkspace, filename: string, type: string, content: Buffer, token = owned.owner.accessToken): Promise<{ id: string; filename_disk: string }> {
  const answer = await owned.api.request('POST', `${owned.base}/files`, { raw: multipartBody({ filename, type, content }), token });
  assert.equal(answer.status, 200, answer.text);
  return answer.body.data;
}

/**
 * A PNG of one pixel whose header declares 100,000 × 100,000 pixels (ten billion): a few dozen bytes
 * that a decoder trusting the header would try to allocate 30 GB for. The header's CRC is made right,
 * so only the size gives it away.
 */
async function decompressionBomb(): Promise<Buffer> {
  const png = Buffer.from(await sharp({ create: { width: 1, height: 1, channels: 3, background: 'white' } }).png().toBuffer());
  // After the 8-byte signature: the IHDR chunk's length (4), type (4), width (4), height (4), …, and its CRC over type and data.
  assert.equal(png.toString('latin1', 12, 16), 'IHDR');
  png.writeUInt32BE(100_000, 16);
  png.writeUInt32BE(100_000, 20);
  png.writeUInt32BE(crc32(png.subarray(12, 29)), 29);
  return png;
}

describeEachDatabase('asset transforms', { env: { ASSETS_TRANSFORM_MAX_DIMENSION: '2000' } }, (suite: Suite) => {
  const storageOf = (owned: OwnedWorkspace) => join(suite.app.config.files.localRoot, owned.workspace.id);

  test('an image is resized and converted to webp, avif, jpeg and png, each answer of the size and format asked', async () => {
    const owned = await newOwnedWorkspace(suite.api);
    const file = await upload(owned, 'photo.jpg', 'image/jpeg', await image(400, 300, 'jpeg'));
    const cases: Array<[string, { format: string; width: number; height: number }, string]> = [
      ['?width=200', { format: 'jpeg', width: 200, height: 150 }, 'image/jpeg'],
      ['?height=60', { format: 'jpeg', width: 80, height: 60 }, 'image/jpeg'],
      ['?width=100&height=100&fit=cover&format=webp', { format: 'webp', width: 100, height: 100 }, 'image/webp'],
      ['?width=100&height=50&fit=contain&format=png', { format: 'png', width: 100, height: 50 }, 'image/png'],
      ['?width=100&height=100&fit=inside&format=avif', { format: 'heif', width: 100, height: 75 }, 'image/avif'],
      ['?width=100&height=100&fit=outside', { format: 'jpeg', width: 133, height: 100 }, 'image/jpeg'],
      ['?format=png', { format: 'png', width: 400, height: 300 }, 'image/png'],
    ];
    for (const [query, expected, type] of cases) {
      const answer = await fetchAsset(suite, owned, file.id, query);
      assert.equal(answer.status, 200, `${query}: ${answer.bytes.toString()}`);
      assert.equal(answer.headers.get('content-type'), type, query);
      assert.equal(Number(answer.headers.get('content-length')), answer.bytes.length, query);
      const metadata = await sharp(answer.bytes).metadata();
      assert.deepEqual({ format: metadata.format, width: metadata.width, height: metadata.height }, expected, query);
    }
    // Quality reaches the encoder: the same size at quality 5 is far smaller than at 95.
    const low = await fetchAsset(suite, owned, file.id, '?width=300&quality=5');
    const high = await fetchAsset(suite, owned, file.id, '?width=300&quality=95');
    assert.ok(low.bytes.length * 2 < high.bytes.length, `${low.bytes.length} vs ${high.bytes.length}`);
    // The answer carries the plain asset's defensive headers, an ETag of its own, and no ranges.
    const webp = await fetchAsset(suite, owned, file.id, '?width=100&format=webp');
    const plain = await fetchAsset(suite, owned, file.id, '');
    assert.equal(webp.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(webp.headers.get('cache-control'), plain.headers.get('cache-control'));
    assert.equal(webp.headers.get('content-security-policy'), plain.headers.get('content-security-policy'));
    assert.equal(webp.headers.get('accept-ranges'), 'none');
    assert.match(webp.headers.get('etag') ?? '', /^"[0-9a-f]{64}-w100-h-cover-q\.webp"$/);
    assert.notEqual(webp.headers.get('etag'), plain.headers.get('etag'));
    assert.match(webp.headers.get('content-disposition') ?? '', /^inline; filename="photo.webp"/);
    // A Range header is ignored for a variant: the whole of it, 200.
    const ranged = await fetch(`${suite.app.url}${owned.base}/assets/${file.id}?width=100&format=webp`, { headers: { authorization: `Bearer ${owned.owner.accessToken}`, range: 'bytes=0-9' } });
    assert.equal(ranged.status, 200);
    assert.deepEqual(Buffer.from(await ranged.arrayBuffer()), webp.bytes);
    assert.match((await fetchAsset(suite, owned, file.id, '?width=100&download')).headers.get('content-disposition') ?? '', /^attachment; filename="photo.jpeg"/);
  });

  test('the second request is served from the variant cached in storage; the original is untouched, and the variants go with their file', async () => {
    const owned = await newOwnedWorkspace(suite.api);
    const original = await image(320, 240, 'png');
    const file = await upload(owned, 'chart.png', 'image/png', original);
    const first = await fetchAsset(suite, owned, file.id, '?width=64&format=webp');
    assert.equal(first.status, 200);
    const variantName = `${file.id}.variant-w64-h-cover-q.webp`;
    assert.deepEqual(readdirSync(storageOf(owned)).sort(), [file.filename_disk, variantName].sort());
    assert.deepEqual(readFileSync(join(storageOf(owned), variantName)), first.bytes);

    // Replace the stored variant with another image: the next answer is that image, so it came from storage, not from a new transform.
    const marker = await sharp({ create: { width: 7, height: 7, channels: 3, background: 'blue' } }).webp().toBuffer();
    writeFileSync(join(storageOf(owned), variantName), marker);
    const second = await fetchAsset(suite, owned, file.id, '?width=64&format=webp');
    assert.equal(second.status, 200);
    assert.deepEqual(second.bytes, marker);
    // Another spelling of the same transform (a fit means nothing with only a width) is the same variant.
    assert.deepEqual((await fetchAsset(suite, owned, file.id, '?format=webp&fit=contain&width=64')).bytes, marker);

    // The original, on disk and served, is byte for byte what was uploaded.
    assert.equal(sha256(readFileSync(join(storageOf(owned), file.filename_disk))), sha256(original));
    assert.equal(sha256((await fetchAsset(suite, owned, file.id, '')).bytes), sha256(original));

    assert.equal((await fetchAsset(suite, owned, file.id, '?width=32&height=32&format=avif')).status, 200);
    assert.equal(readdirSync(storageOf(owned)).length, 3);
    assert.equal((await owned.api.delete(`${owned.base}/files/${file.id}`)).status, 204);
    assert.deepEqual(existsSync(storageOf(owned)) ? readdirSync(storageOf(owned)) : [], []);
  });

  test('the orphan sweep keeps the variants of files that exist and removes those whose file is gone', async () => {
    const owned = await newOwnedWorkspace(suite.api);
    const file = await upload(owned, 'kept.png', 'image/png', await image(40, 40, 'png'));
    assert.equal((await fetchAsset(suite, owned, file.id, '?width=10')).status, 200);
    const stray = '0badf00d-0000-4000-8000-000000000000.variant-w10-h-cover-q.png';
    writeFileSync(join(storageOf(owned), stray), 'left by a crash between deleting a file and its variants');
    const sweeper = suite.app.nest.get(OrphanSweeper);
    assert.equal(await sweeper.sweep(new Date(Date.now() + ORPHAN_GRACE_MS + 60_000)), 1);
    assert.deepEqual(readdirSync(storageOf(owned)).sort(), [file.filename_disk, `${file.id}.variant-w10-h-cover-q.png`].sort());
  });

  test('absurd or malformed transform parameters are refused with 400 naming the parameter', async () => {
    const owned = await newOwnedWorkspace(suite.api);
    const file = await upload(owned, 'photo.jpg', 'image/jpeg', await image(40, 30, 'jpeg'));
    const refused: Array<[string, string]> = [
      ['?width=100000', 'width'],
      ['?width=0', 'width'],
      ['?width=-5', 'width'],
      ['?width=1.5', 'width'],
      ['?width=1e3', 'width'],
      ['?width=abc', 'width'],
      ['?width=', 'width'],
      ['?width=10&width=20', 'width'],
      ['?height=2001', 'height'],
      ['?quality=0', 'quality'],
      ['?quality=101', 'quality'],
      ['?quality=50.5', 'quality'],
      ['?fit=stretch', 'fit'],
      ['?format=gif', 'format'],
      ['?format=svg', 'format'],
      ['?preset=nope', 'preset'],
    ];
    for (const [query, field] of refused) {
      const answer = await fetchAsset(suite, owned, file.id, query);
      assert.equal(answer.status, 400, `${query}: ${answer.bytes.toString()}`);
      assert.equal(answer.json().errors[0].extensions.code, 'INVALID_QUERY', query);
      assert.equal(answer.json().errors[0].extensions.field, field, query);
    }
    // ASSETS_TRANSFORM_MAX_DIMENSION is the bound: 2000 in this suite.
    const largest = await fetchAsset(suite, owned, file.id, '?width=2000&format=png');
    assert.equal(largest.status, 200);
    assert.equal((await sharp(largest.bytes).metadata()).width, 2000);
  });

  test('only images are transformed: a PDF or an SVG is a 400 naming the parameter, and still downloads as it is', async () => {
    const owned = await newOwnedWorkspace(suite.api);
    const pdf = await upload(owned, 'report.pdf', 'application/pdf', Buffer.from('%PDF-1.4\n%%EOF\n'));
    const asked = await fetchAsset(suite, owned, pdf.id, '?width=100');
    assert.equal(asked.status, 400);
    assert.deepEqual([asked.json().errors[0].extensions.code, asked.json().errors[0].extensions.field], ['INVALID_QUERY', 'width']);
    assert.equal((await fetchAsset(suite, owned, pdf.id, '?quality=50')).json().errors[0].extensions.field, 'quality');
    assert.equal((await fetchAsset(suite, owned, pdf.id, '')).status, 200);
    const svg = await upload(owned, 'logo.svg', 'image/svg+xml', Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>'));
    assert.equal((await fetchAsset(suite, owned, svg.id, '?format=png')).json().errors[0].extensions.field, 'format');
    // An SVG declared as a PNG is refused by its bytes, not rendered.
    const disguised = await upload(owned, 'logo.png', 'image/png', Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>'));
    const rendered = await fetchAsset(suite, owned, disguised.id, '?width=10');
    assert.equal(rendered.status, 400);
    assert.equal(rendered.json().errors[0].extensions.field, 'width');
    assert.deepEqual(readdirSync(storageOf(owned)).filter((name) => name.includes('.variant-')), []);
  });

  test('a decompression bomb (a tiny PNG declaring 100,000 × 100,000 pixels) is refused with 400, and the server goes on transforming', async () => {
    const owned = await newOwnedWorkspace(suite.api);
    const bomb = await decompressionBomb();
    assert.ok(bomb.length < 100);
    assert.equal((await sharp(bomb, { limitInputPixels: false }).metadata()).width, 100_000);
    const file = await upload(owned, 'bomb.png', 'image/png', bomb);
    const answer = await fetchAsset(suite, owned, file.id, '?width=100&format=webp');
    assert.equal(answer.status, 400, answer.bytes.toString());
    assert.equal(answer.json().errors[0].extensions.code, 'INVALID_QUERY');
    assert.equal(answer.json().errors[0].extensions.field, 'width');
    assert.match(answer.json().errors[0].message, /pixels/);
    // Bytes that are not an image at all, declared as one, are refused the same way.
    const garbage = await upload(owned, 'noise.png', 'image/png', Buffer.from('not a png at all'));
    assert.equal((await fetchAsset(suite, owned, garbage.id, '?preset=nope')).json().errors[0].extensions.field, 'preset');
    assert.equal((await fetchAsset(suite, owned, garbage.id, '?width=10')).status, 400);
    const fine = await upload(owned, 'fine.png', 'image/png', await image(50, 50, 'png'));
    assert.equal((await fetchAsset(suite, owned, fine.id, '?width=10')).status, 200);
  });

  test('presets: owners and admins define them (others 403), preset=name applies one, the request overriding it, an unknown one is 400', async () => {
    const owned = await newOwnedWorkspace(suite.api);
    const file = await upload(owned, 'photo.webp', 'image/webp', await image(300, 200, 'webp'));
    const created = await owned.api.post(`${owned.base}/asset-presets`, { name: 'thumb', width: 64, height: 64, fit: 'cover', format: 'webp' });
    assert.equal(created.status, 201, created.text);
    assert.deepEqual({ ...created.body.data, created_at: undefined, updated_at: undefined }, { name: 'thumb', width: 64, height: 64, fit: 'cover', format: 'webp', quality: null, created_at: undefined, updated_at: undefined });
    assertError(await owned.api.post(`${owned.base}/asset-presets`, { name: 'thumb', width: 10 }), 409, 'CONFLICT');
    for (const [body, field] of [
      [{ name: 'big', width: 100000 }, 'width'],
      [{ name: 'big', width: '64' }, 'width'],
      [{ name: 'q', quality: 0 }, 'quality'],
      [{ name: 'f', fit: 'fill' }, 'fit'],
      [{ name: 'Bad Name' }, 'name'],
      [{ width: 10 }, 'name'],
      [{ name: 'x', blur: 3 }, 'blur'],
    ] as const) {
      const answer = await owned.api.post(`${owned.base}/asset-presets`, body);
      assertError(answer, 400, 'INVALID_PAYLOAD');
      assert.equal(answer.body.errors[0].extensions.field, field, JSON.stringify(body));
    }
    assert.deepEqual((await owned.api.get(`${owned.base}/asset-presets`)).body.data.map((p: { name: string }) => p.name), ['thumb']);
    assert.equal((await owned.api.get(`${owned.base}/asset-presets/thumb`)).body.data.width, 64);
    assertError(await owned.api.get(`${owned.base}/asset-presets/nope`), 404, 'NOT_FOUND');

    const thumb = await fetchAsset(suite, owned, file.id, '?preset=thumb');
    assert.equal(thumb.status, 200);
    assert.deepEqual(await sizeAndFormat(thumb.bytes), ['webp', 64, 64]);
    const overridden = await fetchAsset(suite, owned, file.id, '?preset=thumb&format=png&height=32');
    assert.deepEqual(await sizeAndFormat(overridden.bytes), ['png', 64, 32]);

    // A change of a preset changes what it answers (variants are keyed by settings, not by name); null clears a setting.
    const patched = await owned.api.patch(`${owned.base}/asset-presets/thumb`, { height: null, quality: 40 });
    assert.equal(patched.status, 200, patched.text);
    assert.deepEqual([patched.body.data.height, patched.body.data.quality], [null, 40]);
    assert.deepEqual(await sizeAndFormat((await fetchAsset(suite, owned, file.id, '?preset=thumb')).bytes), ['webp', 64, 43]);

    // Members below admin, API keys of those roles and app users may use presets but not define them.
    const editor = await newAccount(suite.api, 'editor');
    await addMember(suite.api, owned.workspace, owned.owner, editor, 'editor');
    const asEditor = owned.api.as(editor.accessToken);
    assertError(await asEditor.get(`${owned.base}/asset-presets`), 403, 'FORBIDDEN');
    assertError(await asEditor.post(`${owned.base}/asset-presets`, { name: 'mine', width: 10 }), 403, 'FORBIDDEN');
    assertError(await asEditor.patch(`${owned.base}/asset-presets/thumb`, { width: 10 }), 403, 'FORBIDDEN');
    assertError(await asEditor.delete(`${owned.base}/asset-presets/thumb`), 403, 'FORBIDDEN');
    assert.equal((await fetchAsset(suite, owned, file.id, '?preset=thumb', editor.accessToken)).status, 200);
    const user = await newAppUser(suite.api, owned.base);
    assertError(await owned.api.as(user.accessToken).get(`${owned.base}/asset-presets`), 403, 'FORBIDDEN');
    const admin = await newAccount(suite.api, 'admin');
    await addMember(suite.api, owned.workspace, owned.owner, admin, 'admin');
    assert.equal((await owned.api.as(admin.accessToken).post(`${owned.base}/asset-presets`, { name: 'hero', width: 1200, format: 'avif' })).status, 201);

    assert.equal((await owned.api.delete(`${owned.base}/asset-presets/thumb`)).status, 204);
    const gone = await fetchAsset(suite, owned, file.id, '?preset=thumb');
    assert.equal(gone.status, 400);
    assert.equal(gone.json().errors[0].extensions.field, 'preset');
  });

  test('presets travel in schema snapshots: exported by name, created, updated and deleted by an apply, a bad one refused naming it', async () => {
    const source = await newOwnedWorkspace(suite.api);
    const target = await newOwnedWorkspace(suite.api);
    assert.equal((await source.api.post(`${source.base}/asset-presets`, { name: 'thumb', width: 64, height: 64, format: 'webp' })).status, 201);
    assert.equal((await source.api.post(`${source.base}/asset-presets`, { name: 'hero', width: 1200, quality: 70 })).status, 201);
    assert.equal((await target.api.post(`${target.base}/asset-presets`, { name: 'old', width: 10 })).status, 201);
    assert.equal((await target.api.post(`${target.base}/asset-presets`, { name: 'thumb', width: 32 })).status, 201);
    const snapshot = (await source.api.get(`${source.base}/schema/snapshot`)).body.data;
    assert.deepEqual(snapshot.asset_presets, [
      { name: 'hero', width: 1200, height: null, fit: null, format: null, quality: 70 },
      { name: 'thumb', width: 64, height: 64, fit: null, format: 'webp', quality: null },
    ]);
    const applied = await target.api.post(`${target.base}/schema/apply`, { snapshot });
    assert.equal(applied.status, 200, applied.text);
    assert.deepEqual(
      applied.body.data.map((step: { action: string }) => step.action).filter((action: string) => action.endsWith('asset_preset')),
      ['delete_asset_preset', 'create_asset_preset', 'update_asset_preset'],
    );
    assert.deepEqual((await target.api.get(`${target.base}/schema/snapshot`)).body.data.asset_presets, snapshot.asset_presets);
    const file = await upload(target, 'photo.png', 'image/png', await image(100, 80, 'png'));
    assert.deepEqual(await sizeAndFormat((await fetchAsset(suite, target, file.id, '?preset=thumb')).bytes), ['webp', 64, 64]);

    const bad = await target.api.post(`${target.base}/schema/diff`, { snapshot: { ...snapshot, asset_presets: [{ name: 'huge', width: 100000 }] } });
    assertError(bad, 400, 'INVALID_PAYLOAD');
    assert.match(bad.body.errors[0].extensions.field, /^snapshot\.asset_presets\.0/);
  });

  test('a transform goes through the plain asset access checks: an app user transforms only the files its policy lets it read', async () => {
    const owned = await newOwnedWorkspace(suite.api);
    const ownerFile = await upload(owned, 'owner.png', 'image/png', await image(60, 60, 'png'));
    const user = await newAppUser(suite.api, owned.base);
    assert.equal((await fetchAsset(suite, owned, ownerFile.id, '?width=10', user.accessToken)).status, 403);
    assert.equal((await fetchAsset(suite, owned, ownerFile.id, '?width=10', null)).status, 403);
    for (const action of ['read', 'create']) {
      const policy = await owned.api.post(`${owned.base}/policies`, { role: 'authenticated', collection: 'files', action, filter: action === 'read' ? { uploaded_by: { _eq: '$CURRENT_USER' } } : null, fields: ['*'] });
      assert.equal(policy.status, 201, policy.text);
    }
    const mine = await upload(owned, 'mine.png', 'image/png', await image(60, 60, 'png'), user.accessToken);
    // Another's file answers 404, as the plain asset does, and no variant of it is made.
    assert.equal((await fetchAsset(suite, owned, ownerFile.id, '?width=10', user.accessToken)).status, 404);
    assert.equal((await fetchAsset(suite, owned, ownerFile.id, '', user.accessToken)).status, 404);
    const answer = await fetchAsset(suite, owned, mine.id, '?width=10&format=png', user.accessToken);
    assert.equal(answer.status, 200);
    assert.deepEqual(await sizeAndFormat(answer.bytes), ['png', 10, 10]);
    assert.deepEqual(
      readdirSync(storageOf(owned)).filter((name) => name.includes('.variant-')),
      [`${mine.id}.variant-w10-h-cover-q.png`],
    );
  });
});

async function sizeAndFormat(bytes: Buffer): Promise<[string | undefined, number | undefined, number | undefined]> {
  const metadata = await sharp(bytes).metadata();
  return [metadata.format, metadata.width, metadata.height];
}
