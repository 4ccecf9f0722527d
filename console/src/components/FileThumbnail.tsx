import { useEffect, useState } from 'react';
import { fetchAsset } from '../api/client';
import type { FileRow } from '../api/types';
import { isPreviewable } from '../lib/files';
import { Button } from './ui';

/**
 * An image's preview, from its bytes fetched with the session's header and shown through an object URL
 * (the console's CSP allows blob: images); other files show their extension.
 */
export function FileThumbnail({ ws, file, onOpen }: { ws: string; file: Pick<FileRow, 'id' | 'filename_download' | 'type' | 'filesize'>; onOpen?: (url: string) => void }) {
  const [url, setUrl] = useState<string | null>(null);
  const [failed, setFailed] = useState(false);
  const previewable = isPreviewable(file.type, file.filesize);
  useEffect(() => {
    if (!previewable) return;
    const abort = new AbortController();
    let objectUrl: string | null = null;
    fetchAsset(ws, file.id, abort.signal)
      .then((blob) => {
        objectUrl = URL.createObjectURL(blob);
        setUrl(objectUrl);
      })
      .catch(() => !abort.signal.aborted && setFailed(true));
    return () => {
      abort.abort();
      if (objectUrl) URL.revokeObjectURL(objectUrl);
    };
    // A file's bytes never change under its id (only its name, title and folder do), so the id is the key.
  }, [ws, file.id, previewable]);
  if (previewable && url && !failed && !onOpen) return <img className="thumb" src={url} alt={`Preview of ${file.filename_download}`} onError={() => setFailed(true)} />;
  if (previewable && url && !failed && onOpen) {
    return (
      <Button className="thumb-button" variant="ghost" aria-label={`Preview ${file.filename_download}`} onPress={() => onOpen(url)}>
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
