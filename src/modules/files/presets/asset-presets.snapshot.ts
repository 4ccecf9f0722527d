import { randomUUID } from 'node:crypto';
import { Injectable, OnModuleInit } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { invalidPayload } from '../../../common/errors/app-error';
import type { Dependant, SectionApply, SectionStep, SnapshotParticipant } from '../../schema/snapshot-participant';
import { SnapshotParticipants } from '../../schema/snapshot-participant';
import { AssetPresetEntity } from './asset-preset.entity';
import { AssetPresetsService, PresetSettings, toDto } from './asset-presets.service';

/** A preset in a snapshot: its name and settings, without timestamps. */
export type AssetPresetEntry = { name: string } & PresetSettings;

function entryOf(row: AssetPresetEntity): AssetPresetEntry {
  const { name, width, height, fit, format, quality } = toDto(row);
  return { name, width, height, fit, format, quality } as AssetPresetEntry;
}

/**
 * The snapshot section of asset presets, keyed by name, checked as `POST /asset-presets` checks one.
 * Presets depend on no collection or field, so a schema removal never touches them; nothing caches them.
 */
@Injectable()
export class AssetPresetsSnapshot implements SnapshotParticipant<AssetPresetEntry>, OnModuleInit {
  readonly section = 'asset_presets';
  readonly entryName = 'asset_preset';
  readonly after = [];

  constructor(
    private readonly participants: SnapshotParticipants,
    private readonly presets: AssetPresetsService,
  ) {}

  onModuleInit(): void {
    this.participants.register(this);
  }

  async export(manager: EntityManager, workspaceId: string): Promise<AssetPresetEntry[]> {
    const rows = await manager.getRepository(AssetPresetEntity).find({ where: { workspaceId }, order: { name: 'ASC' } });
    return rows.map(entryOf);
  }

  parse(raw: unknown): AssetPresetEntry {
    const { name, settings } = this.presets.readBody(raw);
    if (name === undefined) throw invalidPayload('Invalid payload: "name" is required.', 'name');
    return { name, width: null, height: null, fit: null, format: null, quality: null, ...settings };
  }

  key(entry: AssetPresetEntry): string {
    return entry.name;
  }

  /** `parse` checked every setting; a preset needs nothing else of the workspace. */
  check(): void {}

  async apply(steps: SectionStep<AssetPresetEntry>[], { manager, access }: SectionApply): Promise<null[]> {
    const presets = manager.getRepository(AssetPresetEntity);
    const workspaceId = access.workspace.id;
    const now = new Date();
    for (const step of steps) {
      if (step.kind === 'delete') await presets.delete({ workspaceId, name: step.key });
      else if (step.kind === 'create') await presets.insert({ id: randomUUID(), workspaceId, ...step.entry, createdAt: now, updatedAt: now });
      else await presets.update({ workspaceId, name: step.key }, { ...step.entry, updatedAt: now });
    }
    return steps.map(() => null);
  }

  dependants(): Promise<Dependant[]> {
    return Promise.resolve([]);
  }

  release(): Promise<void> {
    return Promise.resolve();
  }

  changed(): Promise<void> {
    return Promise.resolve();
  }
}
