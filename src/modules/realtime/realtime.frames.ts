/**
 * A whole WebSocket text frame as the server sends it (final, unmasked), ready to be written to the
 * socket as it is. An event is framed once and the same bytes go to every subscriber that receives
 * it; framing per socket, as `ws.send` does, cost more CPU than the rest of the fan-out.
 */
export type TextFrame = Buffer & { readonly __textFrame: true };

/** FIN with the text opcode (RFC 6455, 5.2). */
const FINAL_TEXT = 0x81;

export function textFrame(text: string | Buffer): TextFrame {
  const payload = typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
  const length = payload.length;
  const header = length < 126 ? 2 : length < 0x10000 ? 4 : 10;
  const frame = Buffer.allocUnsafe(header + length);
  frame[0] = FINAL_TEXT;
  if (header === 2) {
    frame[1] = length;
  } else if (header === 4) {
    frame[1] = 126;
    frame.writeUInt16BE(length, 2);
  } else {
    frame[1] = 127;
    frame.writeBigUInt64BE(BigInt(length), 2);
  }
  payload.copy(frame, header);
  return frame as TextFrame;
}

/** The frames last joined, and what they made: in a round, most connections were queued the same frames. */
let lastJoined: { frames: readonly TextFrame[]; bytes: Buffer } | null = null;

/**
 * The frames as one buffer, for one write. Connections that were sent the same events in the same order
 * share one buffer: joining them anew for each connection cost as much CPU as writing it to the socket.
 */
export function joinFrames(frames: readonly TextFrame[]): Buffer {
  if (frames.length === 1) return frames[0];
  if (lastJoined && sameFrames(lastJoined.frames, frames)) return lastJoined.bytes;
  const bytes = Buffer.concat(frames);
  lastJoined = { frames, bytes };
  return bytes;
}

function sameFrames(a: readonly TextFrame[], b: readonly TextFrame[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
