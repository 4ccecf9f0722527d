import { Readable } from 'node:stream';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { AppError } from '../../../common/errors/app-error';
import type { FilesConfig } from '../../../config/app-config';
import { InjectConfig } from '../../../config/config.module';
import type { ItemsAccess } from '../../workspaces/workspaces.service';
import { FilesService, StoredFile } from '../files.service';
import { AssetPresetsService } from '../presets/asset-presets.service';
import { STORAGE_DRIVER, StorageDriver } from '../storage/storage-driver';
import { ImageTransform, readTransformSettings, resolveTransform, TRANSFORM_PARAMETERS, TransformSettings } from './image-transform';
import { ImageTransformer, TransformRefused } from './image-transformer';
import { variantKey } from './variant-keys';

/** The stored types a transform reads; anything else (a PDF, an SVG) is refused with 400. */
const TRANSFORMABLE_TYPES = new Map([
  ['image/jpeg', 'jpeg'],
  ['image/png', 'png'],
  ['image/webp', 'webp'],
  ['image/avif', 'avif'],
  ['image/gif', 'gif'],
  ['image/tiff', 'tiff'],
]);

/** A transformed variant of a file, to send: from the storage cache as a stream, or just made. */
export interface AssetVariant {
  file: StoredFile;
  transform: ImageTransform;
  body: Readable | Buffer;
  size: number;
}

/**
 * Image transforms of `/assets/{id}`: the file read with the plain asset's access checks, the transform
 * its query (and preset) asks for, and the variant served from the storage driver when it was made
 * before. A variant is stored beside its file under a key made of the file's id and the normalised
 * transform (`variant-keys.ts`), never over the original; it goes when its file does.
 */
@Injectable()
export class AssetTransforms {
  private readonly logger = new Logger(AssetTransforms.name);
  private readonly transformer: ImageTransformer;

  constructor(
    private readonly files: FilesService,
    private readonly presets: AssetPresetsService,
    @Inject(STORAGE_DRIVER) private readonly storage: StorageDriver,
    @InjectConfig('files') private readonly config: FilesConfig,
  ) {
    this.transformer = new ImageTransformer(config.transforms);
  }

  /** Whether a request's query asks for a transform. */
  static asked(query: Record<string, unknown>): boolean {
    return query.preset !== undefined || TRANSFORM_PARAMETERS.some((name) => query[name] !== undefined);
  }

  async variant(access: ItemsAccess, id: string, query: Record<string, unknown>): Promise<AssetVariant> {
    const asked = readTransformSettings(query, this.config.transforms.maxDimension, 'query');
    const preset = await this.preset(access.workspace.id, query.preset);
    const file = await this.files.readableFile(access, id);
    const sourceFormat = TRANSFORMABLE_TYPES.get(file.type);
    if (sourceFormat === undefined) throw refused(query, `Only images (JPEG, PNG, WebP, AVIF, GIF, TIFF) can be transformed; this file is ${file.type}.`);
    const transform = resolveTransform(preset, asked, sourceFormat);
    const key = variantKey(access.workspace.id, file.id, transform);
    const cached = await this.storage.stat(key);
    if (cached) return { file, transform, body: await this.storage.read(key), size: cached.size };
    const bytes = await this.make(file, transform, query);
    // Stored for the next request; a failure to store costs only the next request a transform again.
    await this.storage.write(key, Readable.from([bytes])).catch((error: unknown) => this.logger.warn(`Could not cache the variant ${key}: ${String(error)}`));
    return { file, transform, body: bytes, size: bytes.length };
  }

  private async make(file: StoredFile, transform: ImageTransform, query: Record<string, unknown>): Promise<Buffer> {
    const original = await readAll(await this.storage.read(file.key));
    try {
      return await this.transformer.transform(original, transform);
    } catch (error) {
      if (error instanceof TransformRefused) throw refused(query, error.message);
      throw error;
    }
  }

  private async preset(workspaceId: string, name: unknown): Promise<TransformSettings | null> {
    if (name === undefined) return null;
    if (typeof name !== 'string') throw new AppError('INVALID_QUERY', 'Invalid query: "preset" may be given once.', { field: 'preset' });
    return this.presets.settingsOf(workspaceId, name);
  }
}

/** A transform that cannot be made of this file: 400, naming the first transform parameter the request gave. */
function refused(query: Record<string, unknown>, message: string): AppError {
  const field = TRANSFORM_PARAMETERS.find((name) => query[name] !== undefined) ?? 'preset';
  return new AppError('INVALID_QUERY', `Invalid query: ${message}`, { field });
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
