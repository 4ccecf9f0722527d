import { invalidPayload } from '../../common/errors/app-error';

/**
 * The backup archive's format: a gzipped tar whose entries come in a fixed order, so that a restore
 * reads it once, front to back, and never holds it whole (see docs/backup.md).
 *
 * ```
 * manifest.json                               first: what the archive holds
 * instance/accounts.jsonl                     instance archives only: platform accounts
 * workspaces/<n>/snapshot.json                the schema snapshot with every section
 * workspaces/<n>/settings.json                what a snapshot leaves out: webhook secrets, autocode counters, members
 * workspaces/<n>/app-users/<seq>.jsonl        app users, password hashes included
 * workspaces/<n>/folders/<seq>.jsonl          folders
 * workspaces/<n>/files/<seq>.jsonl            files' metadata, each chunk followed by its files' bytes
 * workspaces/<n>/file-bytes/<file id>         one file's bytes
 * workspaces/<n>/items/<collection>/<seq>.jsonl   items, collections in dependency order
 * workspaces/<n>/links/<collection>/<seq>.jsonl   references that cannot be inserted with their rows (cycles)
 * checksums.json                              last: the SHA-256 of every entry before it
 * ```
 */

/** The `format` of every Cairn backup manifest. */
export const BACKUP_FORMAT = 'cairn-backup';

/** The version of the format this Cairn writes, and the newest it restores. */
export const BACKUP_FORMAT_VERSION = 1;

export const MANIFEST_ENTRY = 'manifest.json';
export const CHECKSUMS_ENTRY = 'checksums.json';
export const ACCOUNTS_PREFIX = 'instance/accounts/';

/** Rows per JSON-lines chunk: a chunk is the most of a table held in memory at once. */
export const ROWS_PER_CHUNK = 500;

/** The largest JSON entry a restore reads into memory; anything bigger is not an archive Cairn wrote. */
export const MAX_JSON_ENTRY_BYTES = 64 * 1024 * 1024;

/** One workspace of an archive, as its manifest lists it. */
export interface ManifestWorkspace {
  /** Its entries are under `workspaces/<path>/`. */
  path: string;
  id: string;
  slug: string;
  name: string;
  app_url: string | null;
}

export interface BackupManifest {
  format: typeof BACKUP_FORMAT;
  format_version: number;
  cairn: string;
  /** The database the archive was made on: `sqlite`, `postgres` or `mysql`. */
  source_engine: string;
  created_at: string;
  scope: 'workspace' | 'instance';
  workspaces: ManifestWorkspace[];
}

/** The prefix of a workspace's entries. */
export function workspacePrefix(path: string): string {
  return `workspaces/${path}/`;
}

/** A chunk's sequence number, zero-padded so entries sort as they were written. */
export function chunkName(sequence: number): string {
  return `${String(sequence).padStart(6, '0')}.jsonl`;
}

const notABackup = (detail: string) => invalidPayload(`Invalid backup archive: ${detail}`, 'archive');

/** Reads and checks a manifest: a Cairn backup of a format version this Cairn knows (400 otherwise). */
export function parseManifest(text: string): BackupManifest {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw notABackup('manifest.json is not JSON.');
  }
  const manifest = raw as Partial<Record<keyof BackupManifest, unknown>>;
  if (typeof raw !== 'object' || raw === null || manifest.format !== BACKUP_FORMAT) throw notABackup('manifest.json does not describe a Cairn backup.');
  const version = manifest.format_version;
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 1) throw notABackup('manifest.json has no valid format_version.');
  if (version > BACKUP_FORMAT_VERSION) {
    throw invalidPayload(`This backup was written in format version ${version}, newer than the ${BACKUP_FORMAT_VERSION} this Cairn restores; restore it with a newer Cairn.`, 'archive');
  }
  if (manifest.scope !== 'workspace' && manifest.scope !== 'instance') throw notABackup('manifest.json has no valid scope.');
  for (const key of ['cairn', 'source_engine', 'created_at'] as const) {
    if (typeof manifest[key] !== 'string') throw notABackup(`manifest.json has no valid ${key}.`);
  }
  if (!Array.isArray(manifest.workspaces)) throw notABackup('manifest.json lists no workspaces.');
  const paths = new Set<string>();
  for (const entry of manifest.workspaces as unknown[]) {
    const workspace = entry as Partial<Record<keyof ManifestWorkspace, unknown>>;
    const valid =
      typeof entry === 'object' &&
      entry !== null &&
      typeof workspace.path === 'string' &&
      /^[0-9]{1,6}$/.test(workspace.path) &&
      !paths.has(workspace.path) &&
      typeof workspace.id === 'string' &&
      typeof workspace.slug === 'string' &&
      typeof workspace.name === 'string' &&
      (workspace.app_url === null || typeof workspace.app_url === 'string');
    if (!valid) throw notABackup('manifest.json lists a workspace it does not describe fully.');
    paths.add(workspace.path as string);
  }
  return manifest as BackupManifest;
}

/** Reads a JSON entry of the archive (400 naming the entry when it is not JSON). */
export function parseJsonEntry(name: string, text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw notABackup(`${name} is not JSON.`);
  }
}

/** Reads a JSON-lines chunk: one JSON object per line. */
export function parseJsonLines(name: string, text: string): Array<Record<string, unknown>> {
  const rows: Array<Record<string, unknown>> = [];
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const row = parseJsonEntry(name, line);
    if (typeof row !== 'object' || row === null || Array.isArray(row)) throw notABackup(`${name} holds a line that is not a JSON object.`);
    rows.push(row as Record<string, unknown>);
  }
  return rows;
}

export { notABackup };
