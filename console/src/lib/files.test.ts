import { describe, expect, it } from 'vitest';
import type { Folder } from '../api/types';
import { childFolders, folderChoices, folderTrail, formatBytes, isPreviewable, previewRequest, PREVIEW_TRANSFORM, THUMBNAIL_TRANSFORM, thumbnailRequest } from './files';

const folders: Folder[] = [
  { id: 'b', name: 'Reports', parent: null },
  { id: 'a', name: 'Archive', parent: null },
  { id: 'c', name: '2025', parent: 'b' },
  { id: 'd', name: 'Q1', parent: 'c' },
];

describe('folders', () => {
  it('walks from the top down to a folder', () => {
    expect(folderTrail(folders, 'd').map((f) => f.name)).toEqual(['Reports', '2025', 'Q1']);
    expect(folderTrail(folders, null)).toEqual([]);
    expect(folderTrail(folders, 'unknown')).toEqual([]);
  });

  it('stops on a loop instead of walking forever', () => {
    const looping: Folder[] = [
      { id: 'x', name: 'X', parent: 'y' },
      { id: 'y', name: 'Y', parent: 'x' },
    ];
    expect(folderTrail(looping, 'x').map((f) => f.name)).toEqual(['Y', 'X']);
  });

  it('names every folder by its path, in path order', () => {
    expect(folderChoices(folders).map((c) => c.label)).toEqual(['Archive', 'Reports', 'Reports / 2025', 'Reports / 2025 / Q1']);
  });

  it('lists the folders inside one, by name', () => {
    expect(childFolders(folders, null).map((f) => f.name)).toEqual(['Archive', 'Reports']);
    expect(childFolders(folders, 'c').map((f) => f.name)).toEqual(['Q1']);
  });
});

describe('formatBytes', () => {
  it('says bytes below a KB and one decimal above', () => {
    expect(formatBytes(1)).toBe('1 byte');
    expect(formatBytes(1023)).toBe('1023 bytes');
    expect(formatBytes(1536)).toBe('1.5 KB');
    expect(formatBytes('5242880')).toBe('5.0 MB');
  });
});

describe('isPreviewable', () => {
  it('previews the image types served inline, up to a size', () => {
    expect(isPreviewable('image/png', 100)).toBe(true);
    expect(isPreviewable('IMAGE/JPEG', '100')).toBe(true);
    expect(isPreviewable('image/svg+xml', 100)).toBe(false);
    expect(isPreviewable('text/plain', 100)).toBe(false);
    expect(isPreviewable('image/png', 50 * 1024 * 1024)).toBe(false);
  });
});

describe('thumbnails and previews', () => {
  it('asks the server for a small variant of the images it transforms, and the file itself for others a browser shows', () => {
    expect(thumbnailRequest('image/jpeg', 5 * 1024 * 1024)).toEqual({ transform: THUMBNAIL_TRANSFORM });
    expect(thumbnailRequest('IMAGE/TIFF', 100)).toEqual({ transform: THUMBNAIL_TRANSFORM });
    expect(thumbnailRequest('image/bmp', 100)).toBe('original');
    expect(thumbnailRequest('image/svg+xml', 100)).toBeNull();
    expect(thumbnailRequest('application/pdf', 100)).toBeNull();
    expect(thumbnailRequest('image/png', 80 * 1024 * 1024)).toBeNull();
  });

  it('previews the file itself when a browser shows it and it is small enough, else a large variant', () => {
    expect(previewRequest('image/png', 100)).toBe('original');
    expect(previewRequest('image/png', 20 * 1024 * 1024)).toEqual({ transform: PREVIEW_TRANSFORM });
    expect(previewRequest('image/tiff', 100)).toEqual({ transform: PREVIEW_TRANSFORM });
    expect(previewRequest('text/plain', 100)).toBeNull();
  });
});
