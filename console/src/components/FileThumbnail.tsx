import { useEffect, useState } from 'react';
import { fetchAsset } from '../api/client';
import type { FileRow } from '../api/types';
import { type ImageRequest, thumbnailRequest } from '../lib/files';
import { Button } from './ui';

/**
 * An object URL of an image fetched with the session's header (the console's CSP allows blob: images):
 * a transformed variant the server makes and caches, or the file itself; null until it is there or
 * when it failed.
 */
export function useImageUrl(ws: string, id: string, request: ImageRequest): { url: string | null; failed: boolean; setFailed: (failed: boolean) => void } {
  const [url, setUrl] = useState<string | null>(null);
  const [failed, setFailed] = useState(false);
  const transform = request === null || request === 'original' ? null : request.transform;
  const wanted = request !== null;
  useEffect(() => {
    if (!wanted) return;
    const abort = new AbortController();
    let objectUrl: string | null = null;
    fetchAsset(ws, id, abort.signal, transform ?? undefined)
      .then((blob) => {
        objectUrl = URL.createObjectURL(blob);
        setUrl(objectUrl);
      })
      .catch(() => !abort.signal.aborted && setFailed(true));
    return () => {
      abort.abort();
      if (objectUrl) URL.revokeObjectURL(objectUrl);
    };
    // A file's bytes never change under its id (only its name, title and folder do), so the id is the key;
    // the transforms are constants.
  }, [ws, id, wanted, transform]);
  return { url, failed, setFailed };
}

/**
 * A file's thumbnail (in the files list, a record's file field): a small transformed variant of an
 * image, or its extension; a button opening its preview when `onOpen` is given.
 */
export function FileThumbnail({ ws, file, onOpen }: { ws: string; file: Pick<FileRow, 'id' | 'filename_download' | 'type' | 'filesize'>; onOpen?: () => void }) {
  const { url, failed, setFailed } = useImageUrl(ws, file.id, thumbnailRequest(file.type, file.filesize));
  if (url && !failed && !onOpen) return <img className="thumb" src={url} alt={`Preview of ${file.filename_download}`} onError={() => setFailed(true)} />;
  if (url && !failed) {
    return (
      <Button className="thumb-button" variant="ghost" aria-label={`Preview ${file.filename_download}`} onPress={onOpen}>
        <img className="thumb" src={url} alt={`Preview of ${file.filename_download}`} onError={() => setFailed(true)} />
      </Button>
    );
  }
  const extension = /\.([a-z0-9]{1,5})$/i.exec(file.filename_download)?.[1]?.toUpperCase() ?? 'FILE';
  return (
    <span className="thumb file-icon" aria-hidden="true">
      {extension}
    </span>
  );
}
