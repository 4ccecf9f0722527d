import { storageKey } from '../storage/storage-driver';
import { ImageTransform, transformSignature } from './image-transform';

/** What sets a variant's stored name apart from its file's: `<file id>.variant-<signature>`. */
const VARIANT_MARK = '.variant-';

/** The storage key of a file's variant made by a transform; beside the file's bytes, in its workspace's folder. */
export function variantKey(workspaceId: string, fileId: string, transform: ImageTransform): string {
  return storageKey(workspaceId, `${fileId}${VARIANT_MARK}${transformSignature(transform)}`);
}

/** The prefix every variant key of a file starts with, to list them when the file goes. */
export function variantPrefix(workspaceId: string, fileId: string): string {
  return storageKey(workspaceId, `${fileId}${VARIANT_MARK}`);
}

/** The id of the file a stored name is a variant of, or null when it is not a variant's. */
export function fileOfVariant(name: string): string | null {
  const mark = name.indexOf(VARIANT_MARK);
  return mark > 0 ? name.slice(0, mark) : null;
}
