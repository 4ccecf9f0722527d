import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseRange } from '../../src/modules/files/byte-range';
import { contentDisposition } from '../../src/common/http/content-disposition';
import { diskName, sanitizeFilename } from '../../src/modules/files/file-names';
import { isInlineSafe, storedType } from '../../src/modules/files/file-types';

describe('parseRange', () => {
  const cases: Array<[string | undefined, number, ReturnType<typeof parseRange>]> = [
    [undefined, 100, { kind: 'whole' }],
    ['bytes=0-9', 100, { kind: 'range', range: { start: 0, end: 9 } }],
    ['bytes=90-', 100, { kind: 'range', range: { start: 90, end: 99 } }],
    ['bytes=90-500', 100, { kind: 'range', range: { start: 90, end: 99 } }],
    ['bytes=-10', 100, { kind: 'range', range: { start: 90, end: 99 } }],
    ['bytes=-500', 100, { kind: 'range', range: { start: 0, end: 99 } }],
    ['bytes=100-', 100, { kind: 'unsatisfiable' }],
    ['bytes=-0', 100, { kind: 'unsatisfiable' }],
    ['bytes=0-', 0, { kind: 'unsatisfiable' }],
    ['bytes=0-1,5-6', 100, { kind: 'whole' }],
    ['items=0-1', 100, { kind: 'whole' }],
    ['bytes=9-1', 100, { kind: 'whole' }],
    ['bytes=-', 100, { kind: 'whole' }],
  ];
  for (const [header, size, expected] of cases) {
    it(`${String(header)} of ${size} bytes`, () => assert.deepEqual(parseRange(header, size), expected));
  }
});

describe('file names and types', () => {
  it('keeps only a safe last segment of a client name', () => {
    assert.equal(sanitizeFilename('../../etc/passwd'), 'passwd');
    assert.equal(sanitizeFilename('C:\\Users\\x\\report.pdf'), 'report.pdf');
    assert.equal(sanitizeFilename('.htaccess'), 'htaccess');
    assert.equal(sanitizeFilename('a\r\nb.txt'), 'ab.txt');
    assert.equal(sanitizeFilename(''), 'file');
    assert.equal(Array.from(sanitizeFilename(`${'é'.repeat(300)}.jpeg`)).length, 200);
    assert.match(sanitizeFilename(`${'a'.repeat(300)}.jpeg`), /\.jpeg$/);
  });

  it('stores bytes under the id and a plain extension only', () => {
    assert.equal(diskName('id', 'photo.JPG'), 'id.jpg');
    assert.equal(diskName('id', 'archive.tar.gz'), 'id.gz');
    assert.equal(diskName('id', 'x.p h p'), 'id');
    assert.equal(diskName('id', 'noext'), 'id');
  });

  it('writes Content-Disposition with an ASCII fallback and the UTF-8 name', () => {
    assert.equal(contentDisposition('attachment', 'résumé "1".pdf'), `attachment; filename="r_sum_ _1_.pdf"; filename*=UTF-8''r%C3%A9sum%C3%A9%20%221%22.pdf`);
  });

  it('takes the extension when the declared type says nothing, and shows inline only safe types', () => {
    assert.equal(storedType(null, 'a.png'), 'image/png');
    assert.equal(storedType('application/octet-stream', 'a.svg'), 'image/svg+xml');
    assert.equal(storedType('image/png', 'a.svg'), 'image/png');
    assert.equal(isInlineSafe('image/png', 'a.png'), true);
    assert.equal(isInlineSafe('image/png', 'a.html'), false);
    assert.equal(isInlineSafe('image/svg+xml', 'a.svg'), false);
    assert.equal(isInlineSafe('application/pdf', 'a.pdf'), false);
    assert.equal(isInlineSafe('video/mp4', 'a.mp4'), true);
  });
});
