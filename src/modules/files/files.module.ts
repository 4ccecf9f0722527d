import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import type { FilesConfig } from '../../config/app-config';
import { configToken } from '../../config/config.module';
import { PoliciesModule } from '../policies/policies.module';
import { SchemaModule } from '../schema/schema.module';
import { WorkspacesModule } from '../workspaces/workspaces.module';
import { AssetsController } from './assets.controller';
import { DataModule } from '../data/data.module';
import { WriteParticipantsModule } from '../write-participants/write-participants.module';
import { FileReferences } from './file-references';
import { FileValuesParticipant } from './file-values.participant';
import { FilesAccess } from './files-access';
import { FilesController } from './files.controller';
import { FilesService } from './files.service';
import { FilesStore } from './files.store';
import { FoldersController } from './folders.controller';
import { FoldersService } from './folders.service';
import { OrphanSweeper } from './orphan-sweeper';
import { AssetPresetEntity } from './presets/asset-preset.entity';
import { AssetPresetsController } from './presets/asset-presets.controller';
import { AssetPresetsService } from './presets/asset-presets.service';
import { AssetPresetsSnapshot } from './presets/asset-presets.snapshot';
import { LocalStorage } from './storage/local-storage';
import { s3Client, S3Storage } from './storage/s3-storage';
import { STORAGE_DRIVER, StorageDriver } from './storage/storage-driver';
import { AssetTransforms } from './transforms/asset-transforms.service';

/** The storage driver STORAGE_DRIVER names. */
function storageDriver(config: FilesConfig): StorageDriver {
  if (config.driver === 's3' && config.s3) return new S3Storage(s3Client(config.s3), config.s3.bucket);
  return new LocalStorage(config.localRoot);
}

/**
 * Files, folders and assets: uploads streamed to the storage driver, metadata read with the query
 * language; image transforms of assets, their variants cached in the driver, and the workspace's presets.
 */
@Module({
  imports: [TypeOrmModule.forFeature([AssetPresetEntity]), DataModule, PoliciesModule, SchemaModule, WorkspacesModule, WriteParticipantsModule],
  controllers: [FilesController, FoldersController, AssetsController, AssetPresetsController],
  providers: [FilesAccess, FilesStore, FileReferences, FileValuesParticipant, FilesService, FoldersService, OrphanSweeper, AssetPresetsService, AssetPresetsSnapshot, AssetTransforms, { provide: STORAGE_DRIVER, inject: [configToken('files')], useFactory: storageDriver }],
  exports: [STORAGE_DRIVER],
})
export class FilesModule {}
