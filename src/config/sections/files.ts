import { resolve } from 'node:path';
import { defineSection } from '../section';
import { flag, httpUrl, integer, matching, oneOf, size, text } from '../variable';

/** Empty, or comma-separated MIME types, each type/subtype, type/* or any (*\/*). */
const MIME_LIST = /^$|^\s*[a-z0-9*][a-z0-9.+*-]*\/[a-z0-9*][a-z0-9.+*-]*\s*(,\s*[a-z0-9*][a-z0-9.+*-]*\/[a-z0-9*][a-z0-9.+*-]*\s*)*$/i;

function mimeList(value: string): string[] {
  return value.split(',').map((entry) => entry.trim().toLowerCase()).filter(Boolean);
}

/** Where uploaded files' bytes go, and which uploads are accepted. */
export const files = defineSection({
  variables: {
    driver: oneOf('STORAGE_DRIVER', ['local', 's3'], 'local'),
    localRoot: text('STORAGE_LOCAL_ROOT', undefined),
    bucket: text('S3_BUCKET', undefined, matching(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be a bucket name such as cairn-files')),
    region: text('S3_REGION', 'us-east-1'),
    endpoint: text('S3_ENDPOINT', undefined, httpUrl),
    forcePathStyle: flag('S3_FORCE_PATH_STYLE', false),
    accessKeyId: text('S3_ACCESS_KEY_ID', undefined),
    secretAccessKey: text('S3_SECRET_ACCESS_KEY', undefined),
    maxSizeBytes: size('FILES_MAX_SIZE', '100mb', '100mb or 2gb'),
    restoreMaxSizeBytes: size('RESTORE_MAX_SIZE', '2gb', '2gb or 500mb'),
    allowedTypes: text('FILES_ALLOWED_TYPES', '*/*', matching(MIME_LIST, 'must be a comma list of types such as image/*,application/pdf')).to(mimeList),
    deniedTypes: text('FILES_DENIED_TYPES', '', matching(MIME_LIST, 'must be a comma list of types such as text/html,application/x-msdownload')).to(mimeList),
    // 16383 is the largest side WebP can encode.
    transformMaxDimension: integer('ASSETS_TRANSFORM_MAX_DIMENSION', 4000, 1, 16383),
    transformMaxInputPixels: integer('ASSETS_TRANSFORM_MAX_INPUT_PIXELS', 50_000_000, 1, 1_000_000_000),
    transformConcurrency: integer('ASSETS_TRANSFORM_CONCURRENCY', 2, 1, 64),
  },
  rules: (v) => [
    ...(v.driver === 's3' && !v.bucket ? ['S3_BUCKET must be set when STORAGE_DRIVER=s3'] : []),
    ...(Boolean(v.accessKeyId) !== Boolean(v.secretAccessKey) ? ['S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY must be set together (or neither, for the SDK\'s default credentials)'] : []),
  ],
  build: (v, server) => ({
    driver: v.driver,
    /** The folder of the local driver; each workspace has a subfolder. */
    localRoot: resolve(v.localRoot ?? resolve(server.dataDir, 'uploads')),
    /** The bucket of the S3 driver; null unless S3_BUCKET is set. */
    s3: v.bucket
      ? {
          bucket: v.bucket,
          region: v.region,
          /** An S3-compatible service (MinIO, R2); null for AWS. */
          endpoint: v.endpoint ?? null,
          forcePathStyle: v.forcePathStyle,
          /** null: the SDK's default credential chain (environment, profile, instance role). */
          credentials: v.accessKeyId && v.secretAccessKey ? { accessKeyId: v.accessKeyId, secretAccessKey: v.secretAccessKey } : null,
        }
      : null,
    /** The largest file an upload may hold. */
    maxSizeBytes: v.maxSizeBytes,
    /** The largest backup archive a restore upload may hold. */
    restoreMaxSizeBytes: v.restoreMaxSizeBytes,
    /** MIME types (`type/subtype`, `type/*`, `*\/*`) an upload may have. */
    allowedTypes: v.allowedTypes,
    /** MIME types refused even when allowed. */
    deniedTypes: v.deniedTypes,
    /** Image transforms of `/assets/{id}`: the largest width or height asked, the largest source decoded, how many run at once. */
    transforms: { maxDimension: v.transformMaxDimension, maxInputPixels: v.transformMaxInputPixels, concurrency: v.transformConcurrency },
  }),
});
