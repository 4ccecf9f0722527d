import sharp from 'sharp';
import type { Metadata, Sharp } from 'sharp';
import type { ImageTransform } from './image-transform';

/** The formats sharp reads that a transform accepts: no SVG or PDF (documents that render), no RAW or FITS. */
const READABLE_FORMATS = new Set(['jpeg', 'png', 'webp', 'heif', 'gif', 'tiff']);

/** Why an image was not transformed: its bytes are not one of the accepted formats, or it is larger than the limit. */
export class TransformRefused extends Error {
  constructor(
    readonly reason: 'not-an-image' | 'too-large',
    message: string,
  ) {
    super(message);
  }
}

/**
 * Runs image transforms with sharp, a bounded number at a time. Sharp works on libuv's thread pool,
 * which file reads, DNS and password hashing share (four threads by default): the bound keeps
 * transforms from taking all of it, and queues the others in order.
 */
export class ImageTransformer {
  private running = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(
    private readonly limits: { maxInputPixels: number; concurrency: number },
  ) {}

  /**
   * The transformed image. Its header is read first: a format that is not accepted, or more pixels than
   * the limit (a decompression bomb declares a huge size in a few bytes), is refused before anything is
   * decoded; sharp's `limitInputPixels` is the second guard. Metadata (EXIF, GPS) is not copied.
   */
  async transform(input: Buffer, transform: ImageTransform): Promise<Buffer> {
    await this.slot();
    try {
      const options = { limitInputPixels: this.limits.maxInputPixels, failOn: 'error' as const };
      let header: Metadata;
      try {
        // The header alone, whatever size it declares: the size is judged below, with a message that says so.
        header = await sharp(input, { ...options, limitInputPixels: false }).metadata();
      } catch {
        throw new TransformRefused('not-an-image', 'The file is not an image that can be transformed.');
      }
      if (!header.format || !READABLE_FORMATS.has(header.format)) throw new TransformRefused('not-an-image', 'The file is not an image that can be transformed (JPEG, PNG, WebP, AVIF, GIF or TIFF).');
      const pixels = (header.width ?? 0) * (header.pageHeight ?? header.height ?? 0);
      if (pixels > this.limits.maxInputPixels) {
        throw new TransformRefused('too-large', `The image is ${header.width} × ${header.height} pixels, more than the ${this.limits.maxInputPixels} this server transforms.`);
      }
      try {
        return await this.pipeline(sharp(input, options), transform).toBuffer();
      } catch (error) {
        throw new TransformRefused('not-an-image', `The image could not be decoded: ${(error as Error).message}`);
      }
    } finally {
      this.release();
    }
  }

  private pipeline(image: Sharp, transform: ImageTransform): Sharp {
    let out = image.autoOrient();
    if (transform.width !== null || transform.height !== null) out = out.resize({ width: transform.width ?? undefined, height: transform.height ?? undefined, fit: transform.fit });
    const quality = transform.quality ?? undefined;
    switch (transform.format) {
      case 'webp':
        return out.webp({ quality });
      case 'avif':
        return out.avif({ quality });
      case 'jpeg':
        return out.jpeg({ quality, mozjpeg: true });
      case 'png':
        // PNG is lossless: a quality asks for palette quantisation, as sharp reads it.
        return out.png(quality === undefined ? {} : { quality, palette: true });
    }
  }

  private async slot(): Promise<void> {
    if (this.running < this.limits.concurrency) {
      this.running++;
      return;
    }
    // The slot is handed over by `release`, so `running` stays counted for the waiter.
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.running--;
  }
}
