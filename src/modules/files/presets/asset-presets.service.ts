import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { AppError, conflict, invalidPayload, notFound } from '../../../common/errors/app-error';
import type { FilesConfig } from '../../../config/app-config';
import { InjectConfig } from '../../../config/config.module';
import { isRecord } from '../../../engine/query/filter.parser';
import type { WorkspaceAccess } from '../../workspaces/workspaces.service';
import { readTransformSettings, TRANSFORM_PARAMETERS, TransformSettings } from '../transforms/image-transform';
import { AssetPresetEntity } from './asset-preset.entity';

/** The settings of a preset as stored: null where the default applies. */
export type PresetSettings = Pick<AssetPresetEntity, 'width' | 'height' | 'fit' | 'format' | 'quality'>;

/** A preset as the API shows it. */
export interface AssetPresetDto {
  name: string;
  width: number | null;
  height: number | null;
  fit: string | null;
  format: string | null;
  quality: number | null;
  created_at: string;
  updated_at: string;
}

const PRESET_NAME = /^[a-z0-9][a-z0-9_-]{0,63}$/;
const BODY_FIELDS = new Set<string>(['name', ...TRANSFORM_PARAMETERS]);

/**
 * The asset presets of each workspace (Directus' `storage_asset_presets`): named transforms that owners
 * and admins define and that `/assets/{id}?preset=name` applies. Their settings are checked by the same
 * rules as a request's query, so a preset can never ask for what a request could not.
 */
@Injectable()
export class AssetPresetsService {
  constructor(
    @InjectRepository(AssetPresetEntity) private readonly presets: Repository<AssetPresetEntity>,
    @InjectConfig('files') private readonly config: FilesConfig,
  ) {}

  async list(access: WorkspaceAccess): Promise<AssetPresetDto[]> {
    return (await this.presets.find({ where: { workspaceId: access.workspace.id }, order: { name: 'ASC' } })).map(toDto);
  }

  async get(access: WorkspaceAccess, name: string): Promise<AssetPresetDto> {
    return toDto(await this.require(access.workspace.id, name));
  }

  async create(access: WorkspaceAccess, body: unknown): Promise<AssetPresetDto> {
    const input = this.readBody(body);
    if (input.name === undefined) throw invalidPayload('Invalid payload: "name" is required.', 'name');
    if (await this.presets.existsBy({ workspaceId: access.workspace.id, name: input.name })) throw conflict(`A preset named "${input.name}" exists already.`, { field: 'name' });
    const now = new Date();
    const row: AssetPresetEntity = { id: randomUUID(), workspaceId: access.workspace.id, name: input.name, width: null, height: null, fit: null, format: null, quality: null, createdAt: now, updatedAt: now, ...input.settings };
    await this.presets.insert(row);
    return toDto(row);
  }

  async update(access: WorkspaceAccess, name: string, body: unknown): Promise<AssetPresetDto> {
    const existing = await this.require(access.workspace.id, name);
    const input = this.readBody(body);
    if (input.name !== undefined && input.name !== existing.name && (await this.presets.existsBy({ workspaceId: access.workspace.id, name: input.name }))) {
      throw conflict(`A preset named "${input.name}" exists already.`, { field: 'name' });
    }
    const row: AssetPresetEntity = { ...existing, ...input.settings, name: input.name ?? existing.name, updatedAt: new Date() };
    await this.presets.update({ id: existing.id }, row);
    return toDto(row);
  }

  async remove(access: WorkspaceAccess, name: string): Promise<void> {
    const existing = await this.require(access.workspace.id, name);
    await this.presets.delete({ id: existing.id });
  }

  /** The settings of a workspace's preset, for a request's `preset=`: an unknown name is a 400 on `preset`. */
  async settingsOf(workspaceId: string, name: string): Promise<TransformSettings> {
    const row = PRESET_NAME.test(name) ? await this.presets.findOneBy({ workspaceId, name }) : null;
    if (!row) throw new AppError('INVALID_QUERY', `Invalid query: there is no asset preset "${name}".`, { field: 'preset' });
    const settings: TransformSettings = {};
    if (row.width !== null) settings.width = row.width;
    if (row.height !== null) settings.height = row.height;
    if (row.fit !== null) settings.fit = row.fit as TransformSettings['fit'];
    if (row.format !== null) settings.format = row.format as TransformSettings['format'];
    if (row.quality !== null) settings.quality = row.quality;
    return settings;
  }

  /** A preset's body: a name and settings, each checked; `null` clears a setting. A snapshot's entries are read with it too. */
  readBody(body: unknown): { name?: string; settings: Partial<PresetSettings> } {
    if (!isRecord(body)) throw invalidPayload('Invalid payload: the request body must be a JSON object.');
    for (const key of Object.keys(body)) if (!BODY_FIELDS.has(key)) throw invalidPayload(`Invalid payload: "${key}" is not a setting of a preset.`, key);
    if (body.name !== undefined && (typeof body.name !== 'string' || !PRESET_NAME.test(body.name))) {
      throw invalidPayload('Invalid payload: "name" must be 1 to 64 lower-case letters, digits, _ or -, starting with a letter or digit.', 'name');
    }
    const settings: Partial<PresetSettings> = readTransformSettings(body, this.config.transforms.maxDimension, 'body');
    for (const field of TRANSFORM_PARAMETERS) if (body[field] === null) settings[field] = null;
    return { ...(body.name !== undefined ? { name: body.name } : {}), settings };
  }

  private async require(workspaceId: string, name: string): Promise<AssetPresetEntity> {
    const row = await this.presets.findOneBy({ workspaceId, name });
    if (!row) throw notFound(`Asset preset "${name}" not found.`);
    return row;
  }
}

export function toDto(row: AssetPresetEntity): AssetPresetDto {
  return {
    name: row.name,
    width: row.width,
    height: row.height,
    fit: row.fit,
    format: row.format,
    quality: row.quality,
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
  };
}
