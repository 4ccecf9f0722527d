import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { WebSocket, WebSocketServer } from 'ws';
import { joinFrames, textFrame } from '../../src/modules/realtime/realtime.frames';

/** Texts on both sides of each length boundary of the frame header (7-bit, 16-bit, 64-bit), and non-ASCII text. */
const TEXTS = ['', 'x'.repeat(125), 'x'.repeat(126), 'x'.repeat(0xffff), 'x'.repeat(0x10000), 'é'.repeat(70), `{"data":"${'ü'.repeat(40_000)}"}`];

describe('textFrame', () => {
  it('frames text that a WebSocket client reads back whole, written to the socket under ws as the realtime connections do', async () => {
    const server = new WebSocketServer({ port: 0, host: '127.0.0.1', perMessageDeflate: false });
    await new Promise((resolve) => server.once('listening', resolve));
    server.on('connection', (socket) => {
      const raw = (socket as unknown as { _socket: { write(data: Buffer): boolean } })._socket;
      // One write holding every frame, as a flush does.
      raw.write(Buffer.concat(TEXTS.map((text) => textFrame(text))));
    });
    try {
      const client = new WebSocket(`ws://127.0.0.1:${(server.address() as AddressInfo).port}`);
      const received = await new Promise<string[]>((resolve, reject) => {
        const texts: string[] = [];
        client.on('message', (data, isBinary) => {
          if (isBinary) reject(new Error('a frame arrived as binary'));
          texts.push(data.toString());
          if (texts.length === TEXTS.length) resolve(texts);
        });
        client.on('error', reject);
        client.on('close', (code) => reject(new Error(`the client closed with ${code}`)));
      });
      client.close();
      assert.equal(received.length, TEXTS.length);
      received.forEach((text, index) => assert.equal(text, TEXTS[index], `text ${index} (${TEXTS[index].length} characters) came back different`));
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('takes bytes as they are', () => {
    const payload = Buffer.from('{"type":"ping"}');
    assert.deepEqual(textFrame(payload), Buffer.concat([Buffer.from([0x81, payload.length]), payload]));
  });
});

describe('joinFrames', () => {
  it('joins frames in order, and gives connections queued the same frames the same buffer', () => {
    const [a, b, c] = ['a', 'b', 'c'].map((text) => textFrame(text));
    const first = joinFrames([a, b]);
    assert.deepEqual(first, Buffer.concat([a, b]));
    assert.equal(joinFrames([a, b]), first, 'the same frames were joined again');
    const other = joinFrames([b, a]);
    assert.deepEqual(other, Buffer.concat([b, a]));
    assert.deepEqual(joinFrames([a, b, c]), Buffer.concat([a, b, c]));
    assert.equal(joinFrames([c]), c);
    // What was handed out before is never changed afterwards.
    assert.deepEqual(first, Buffer.concat([a, b]));
  });
});
