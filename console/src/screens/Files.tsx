import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useParams, useSearch } from '@tanstack/react-router';
import { useEffect, useMemo, useRef, useState } from 'react';
import { DropZone, FileTrigger, Form, Input, Label, ProgressBar, SearchField, Text, type DropItem, type FileDropItem } from 'react-aria-components';
import { api, fetchAsset, get, patch, post, remove } from '../api/client';
import { messageOf } from '../api/errors';
import { workspaceQuery } from '../api/queries';
import type { FileRow, Folder } from '../api/types';
import { uploadFile } from '../api/upload';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { FileThumbnail, useImageUrl } from '../components/FileThumbnail';
import { Topbar } from '../components/Topbar';
import { Button, ErrorAlert, Loading, ModalDialog, PageHead, SelectField, TextInput } from '../components/ui';
import { childFolders, folderChoices, folderTrail, formatBytes, previewRequest } from '../lib/files';
import { writesItems } from '../lib/roles';

const PAGE = 100;
const FILE_FIELDS = 'id,filename_download,title,type,filesize,folder,uploaded_on';
const TOP = '__top';

const foldersQuery = (ws: string) => ({
  queryKey: ['w', ws, 'folders'],
  // The most one page holds; a library with more folders than that lists the first thousand by name.
  queryFn: () => get<Folder[]>(`/w/${ws}/folders`, { limit: 1000, sort: 'name' }),
});

interface Upload {
  key: number;
  name: string;
  progress: number;
  state: 'sending' | 'done' | 'failed';
  error?: unknown;
}

/** The workspace's files: folders to browse, uploads by drop or button, previews, and each file's actions. */
export default function Files() {
  const { ws } = useParams({ from: '/app/w/$ws/files' });
  const { folder } = useSearch({ from: '/app/w/$ws/files' });
  const current = folder ?? null;
  const queryClient = useQueryClient();
  const workspace = useQuery(workspaceQuery(ws));
  const canWrite = writesItems(workspace.data?.role);
  const folders = useQuery(foldersQuery(ws));
  const allFolders = useMemo(() => folders.data ?? [], [folders.data]);
  const trail = folderTrail(allFolders, current);
  const here = trail[trail.length - 1];

  const [searchText, setSearchText] = useState('');
  const [searched, setSearched] = useState('');
  // Another folder starts without the last one's search.
  useEffect(() => {
    setSearchText('');
    setSearched('');
  }, [current]);
  // Searching as one types, a moment after the last key.
  useEffect(() => {
    const timer = setTimeout(() => setSearched(searchText.trim()), 300);
    return () => clearTimeout(timer);
  }, [searchText]);

  const subfolders = childFolders(allFolders, current).filter((f) => !searched || f.name.toLowerCase().includes(searched.toLowerCase()));

  const files = useInfiniteQuery({
    queryKey: ['w', ws, 'files', current, searched],
    initialPageParam: 1,
    queryFn: ({ pageParam }) =>
      api<{ data: FileRow[]; meta: { filter_count: number } }>('GET', `/w/${ws}/files`, {
        query: {
          filter: JSON.stringify(current ? { folder: { _eq: current } } : { folder: { _null: true } }),
          sort: '-uploaded_on',
          fields: FILE_FIELDS,
          limit: PAGE,
          page: pageParam,
          meta: 'filter_count',
          search: searched || undefined,
        },
      }),
    getNextPageParam: (last, pages) => (pages.length * PAGE < last.meta.filter_count ? pages.length + 1 : undefined),
  });
  const rows = files.data?.pages.flatMap((page) => page.data) ?? [];
  const total = files.data?.pages[0]?.meta.filter_count ?? 0;

  const [uploads, setUploads] = useState<Upload[]>([]);
  const nextKey = useRef(0);
  const [creatingFolder, setCreatingFolder] = useState(false);
  const [renamingFolder, setRenamingFolder] = useState<Folder | null>(null);
  const [deletingFolder, setDeletingFolder] = useState<Folder | null>(null);
  const [renaming, setRenaming] = useState<FileRow | null>(null);
  const [moving, setMoving] = useState<FileRow | null>(null);
  const [deleting, setDeleting] = useState<FileRow | null>(null);
  const [actionError, setActionError] = useState<unknown>(null);
  const [preview, setPreview] = useState<FileRow | null>(null);

  const refreshFiles = () => queryClient.invalidateQueries({ queryKey: ['w', ws, 'files'] });
  const refreshFolders = () => queryClient.invalidateQueries({ queryKey: ['w', ws, 'folders'] });

  /** Sends the files side by side, each with its own progress; one refusal does not stop the others. */
  const upload = (chosen: File[]) => {
    const started = chosen.map((file) => ({ file, key: nextKey.current++ }));
    setUploads((list) => [...list.filter((u) => u.state === 'sending'), ...started.map(({ file, key }) => ({ key, name: file.name, progress: 0, state: 'sending' as const }))]);
    const change = (key: number, update: Partial<Upload>) => setUploads((list) => list.map((u) => (u.key === key ? { ...u, ...update } : u)));
    for (const { file, key } of started) {
      uploadFile({ ws, file, folder: current, onProgress: (progress) => change(key, { progress }) })
        .then(() => change(key, { state: 'done', progress: 1 }))
        .catch((error: unknown) => change(key, { state: 'failed', error }))
        .finally(() => void refreshFiles());
    }
  };

  const dropped = async (items: DropItem[]) => {
    const fileItems = items.filter((item): item is FileDropItem => item.kind === 'file');
    setActionError(items.some((item) => item.kind === 'directory') ? new Error('Folders cannot be dropped: drop the files inside them.') : null);
    if (fileItems.length > 0) upload(await Promise.all(fileItems.map((item) => item.getFile())));
  };

  const download = async (file: FileRow) => {
    setActionError(null);
    try {
      const blob = await fetchAsset(ws, file.id);
      const url = URL.createObjectURL(blob);
      const link = document.createElement('a');
      link.href = url;
      link.download = file.filename_download;
      document.body.append(link);
      link.click();
      link.remove();
      // The browser has taken the URL once the click is handled; keeping it longer would hold the bytes.
      setTimeout(() => URL.revokeObjectURL(url), 1000);
    } catch (error) {
      setActionError(error);
    }
  };

  const listing = (
    <div className="card">
      {files.isPending || folders.isPending ? (
        <Loading what="files" />
      ) : subfolders.length === 0 && rows.length === 0 ? (
        <div className="empty">{searched ? 'Nothing here matches the search.' : <>{current ? 'This folder is empty.' : 'No file yet.'}{canWrite && ' Drop files here, or use Upload files.'}</>}</div>
      ) : (
        <table className="list files">
          <thead>
            <tr>
              <th>
                <span className="sr-only">Preview</span>
              </th>
              <th>Name</th>
              <th>Type</th>
              <th>Size</th>
              <th>Uploaded</th>
              <th>
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {subfolders.map((f) => (
              <tr key={f.id}>
                <td className="thumb-cell">
                  <span className="thumb folder-icon" aria-hidden="true">
                    ▰
                  </span>
                </td>
                <td>
                  <Link to="/w/$ws/files" params={{ ws }} search={{ folder: f.id }}>
                    {f.name}
                  </Link>
                </td>
                <td className="hint">Folder</td>
                <td />
                <td />
                <td className="actions">
                  {canWrite && (
                    <>
                      <Button small variant="ghost" onPress={() => setRenamingFolder(f)} aria-label={`Rename folder ${f.name}`}>
                        Rename
                      </Button>
                      <Button small variant="ghost" onPress={() => setDeletingFolder(f)} aria-label={`Delete folder ${f.name}`}>
                        Delete
                      </Button>
                    </>
                  )}
                </td>
              </tr>
            ))}
            {rows.map((file) => (
              <tr key={file.id}>
                <td className="thumb-cell">
                  <FileThumbnail ws={ws} file={file} onOpen={() => setPreview(file)} />
                </td>
                <td>
                  <div className="file-name">{file.filename_download}</div>
                  {file.title && file.title !== file.filename_download && <div className="hint">{file.title}</div>}
                </td>
                <td className="hint">{file.type}</td>
                <td>{formatBytes(file.filesize)}</td>
                <td>{new Date(file.uploaded_on).toLocaleString()}</td>
                <td className="actions">
                  <Button small variant="ghost" onPress={() => void download(file)} aria-label={`Download ${file.filename_download}`}>
                    Download
                  </Button>
                  {canWrite && (
                    <>
                      <Button small variant="ghost" onPress={() => setRenaming(file)} aria-label={`Rename ${file.filename_download}`}>
                        Rename
                      </Button>
                      <Button small variant="ghost" onPress={() => setMoving(file)} aria-label={`Move ${file.filename_download}`}>
                        Move
                      </Button>
                      <Button small variant="ghost" onPress={() => setDeleting(file)} aria-label={`Delete ${file.filename_download}`}>
                        Delete
                      </Button>
                    </>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {files.hasNextPage && (
        <div className="card-body row">
          <span className="pager">
            {rows.length.toLocaleString()} of {total.toLocaleString()} files
          </span>
          <Button small onPress={() => void files.fetchNextPage()} isPending={files.isFetchingNextPage}>
            Show more
          </Button>
        </div>
      )}
    </div>
  );

  return (
    <>
      <Topbar ws={ws} trail={[{ label: 'Files' }]} />
      <div className="content">
        <PageHead title={here?.name ?? 'Files'} sub={<FolderTrail ws={ws} trail={trail} />}>
          {canWrite && (
            <>
              <Button onPress={() => setCreatingFolder(true)}>New folder</Button>
              <FileTrigger allowsMultiple onSelect={(list) => list && upload(Array.from(list))}>
                <Button variant="primary">Upload files</Button>
              </FileTrigger>
            </>
          )}
        </PageHead>
        <SearchField className="field files-search" value={searchText} onChange={setSearchText}>
          <Label className="sr-only">Search files in this folder</Label>
          <Input placeholder="Search by name, title or type" />
        </SearchField>
        <ErrorAlert error={folders.error ?? files.error} />
        {current && folders.data && !here && <ErrorAlert error={new Error('This folder does not exist (any more).')} />}
        <ErrorAlert error={actionError} />
        {uploads.length > 0 && <UploadList uploads={uploads} onClear={() => setUploads((list) => list.filter((u) => u.state === 'sending'))} />}
        {canWrite ? (
          <DropZone className="dropzone" aria-label={`Drop files to upload them into ${here?.name ?? 'Files'}`} onDrop={(event) => void dropped(event.items)}>
            <Text slot="label" className="dropzone-label">
              Drop files anywhere here to upload them into {here?.name ?? 'Files'}.
            </Text>
            {listing}
          </DropZone>
        ) : (
          listing
        )}
      </div>
      <FolderForm ws={ws} parent={current} folder={renamingFolder} isOpen={creatingFolder || renamingFolder !== null} onClose={() => (setCreatingFolder(false), setRenamingFolder(null), void refreshFolders())} />
      <ConfirmDialog
        isOpen={deletingFolder !== null}
        onOpenChange={(open) => !open && setDeletingFolder(null)}
        title="Delete folder?"
        message={`The folder "${deletingFolder?.name}" is deleted. Cairn refuses to delete a folder that still holds files or folders.`}
        action="Delete folder"
        onConfirm={async () => {
          await remove(`/w/${ws}/folders/${deletingFolder!.id}`);
          await refreshFolders();
        }}
      />
      <ModalDialog isOpen={preview !== null} onOpenChange={(open) => !open && setPreview(null)} title={preview?.filename_download ?? 'Preview'} wide>
        {preview && (
          <div className="stack">
            <PreviewImage ws={ws} file={preview} />
            <div className="row">
              <span className="hint">
                {preview.type} · {formatBytes(preview.filesize)}
              </span>
              <div className="spacer" />
              <Button onPress={() => void download(preview)}>Download</Button>
              <Button variant="primary" onPress={() => setPreview(null)}>
                Close
              </Button>
            </div>
          </div>
        )}
      </ModalDialog>
      <RenameFile ws={ws} file={renaming} onClose={() => (setRenaming(null), void refreshFiles())} />
      <MoveFile ws={ws} file={moving} folders={allFolders} onClose={() => (setMoving(null), void refreshFiles())} />
      <ConfirmDialog
        isOpen={deleting !== null}
        onOpenChange={(open) => !open && setDeleting(null)}
        title="Delete file?"
        message={`"${deleting?.filename_download}" and its bytes are deleted. Items that refer to it lose it.`}
        action="Delete file"
        onConfirm={async () => {
          await remove(`/w/${ws}/files/${deleting!.id}`);
          await refreshFiles();
        }}
      />
    </>
  );
}

function FolderTrail({ ws, trail }: { ws: string; trail: Folder[] }) {
  return (
    <nav aria-label="Folder" className="folder-trail">
      {trail.length === 0 ? (
        <span aria-current="page">All files</span>
      ) : (
        <>
          <Link to="/w/$ws/files" params={{ ws }} search={{ folder: undefined }}>
            All files
          </Link>
          {trail.map((f, index) => (
            <span key={f.id}>
              <span aria-hidden="true"> / </span>
              {index === trail.length - 1 ? (
                <span aria-current="page">{f.name}</span>
              ) : (
                <Link to="/w/$ws/files" params={{ ws }} search={{ folder: f.id }}>
                  {f.name}
                </Link>
              )}
            </span>
          ))}
        </>
      )}
    </nav>
  );
}

function UploadList({ uploads, onClear }: { uploads: Upload[]; onClear: () => void }) {
  const finished = uploads.filter((u) => u.state !== 'sending').length;
  return (
    <section className="card" aria-label="Uploads">
      <div className="card-head">
        <h2>Uploads</h2>
        <span className="hint" role="status">
          {finished} of {uploads.length} finished
        </span>
        <div className="spacer" />
        {finished > 0 && (
          <Button small variant="ghost" onPress={onClear}>
            Clear finished
          </Button>
        )}
      </div>
      <ul className="uploads">
        {uploads.map((u) => (
          <li key={u.key}>
            <ProgressBar className="upload-progress" value={u.progress * 100} aria-label={`Uploading ${u.name}`} valueLabel={u.state === 'failed' ? 'Failed' : `${Math.round(u.progress * 100)}%`}>
              {({ percentage, valueText }) => (
                <>
                  <div className="row">
                    <span className="file-name">{u.name}</span>
                    <div className="spacer" />
                    <span className={u.state === 'failed' ? 'field-error' : 'hint'}>{u.state === 'done' ? 'Uploaded' : valueText}</span>
                  </div>
                  <div className={`bar ${u.state}`}>
                    <div className="fill" style={{ width: `${percentage ?? 0}%` }} />
                  </div>
                </>
              )}
            </ProgressBar>
            {u.state === 'failed' && (
              <div className="field-error" role="alert">
                {messageOf(u.error)}
              </div>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}

/** The large preview of an image: the file itself when the browser shows it, else a large variant. */
function PreviewImage({ ws, file }: { ws: string; file: FileRow }) {
  const { url, failed, setFailed } = useImageUrl(ws, file.id, previewRequest(file.type, file.filesize));
  if (failed) return <p className="hint">This image cannot be previewed; download it instead.</p>;
  if (!url) return <Loading what="the image" />;
  return <img className="preview-large" src={url} alt={file.title ?? file.filename_download} onError={() => setFailed(true)} />;
}

function FolderForm({ ws, parent, folder, isOpen, onClose }: { ws: string; parent: string | null; folder: Folder | null; isOpen: boolean; onClose: () => void }) {
  const [name, setName] = useState('');
  useEffect(() => setName(folder?.name ?? ''), [folder, isOpen]);
  const save = useMutation({
    mutationFn: () => (folder ? patch(`/w/${ws}/folders/${folder.id}`, { name }) : post(`/w/${ws}/folders`, { name, parent })),
    onSuccess: () => close(),
  });
  const close = () => {
    save.reset();
    onClose();
  };
  return (
    <ModalDialog isOpen={isOpen} onOpenChange={(open) => !open && close()} title={folder ? `Rename folder ${folder.name}` : 'New folder'}>
      <Form
        className="stack"
        onSubmit={(event) => {
          event.preventDefault();
          save.mutate();
        }}
      >
        <TextInput label="Folder name" value={name} onChange={setName} isRequired autoFocus />
        <ErrorAlert error={save.error} />
        <div className="row end">
          <Button onPress={close}>Cancel</Button>
          <Button type="submit" variant="primary" isPending={save.isPending}>
            {folder ? 'Rename folder' : 'Create folder'}
          </Button>
        </div>
      </Form>
    </ModalDialog>
  );
}

function RenameFile({ ws, file, onClose }: { ws: string; file: FileRow | null; onClose: () => void }) {
  const [name, setName] = useState('');
  useEffect(() => setName(file?.filename_download ?? ''), [file]);
  const save = useMutation({
    mutationFn: () => patch(`/w/${ws}/files/${file!.id}`, { filename_download: name }),
    onSuccess: () => close(),
  });
  const close = () => {
    save.reset();
    onClose();
  };
  return (
    <ModalDialog isOpen={file !== null} onOpenChange={(open) => !open && close()} title={`Rename ${file?.filename_download ?? 'file'}`}>
      <Form
        className="stack"
        onSubmit={(event) => {
          event.preventDefault();
          save.mutate();
        }}
      >
        <TextInput label="File name" value={name} onChange={setName} isRequired autoFocus hint="The name a download is saved under." />
        <ErrorAlert error={save.error} />
        <div className="row end">
          <Button onPress={close}>Cancel</Button>
          <Button type="submit" variant="primary" isPending={save.isPending}>
            Rename
          </Button>
        </div>
      </Form>
    </ModalDialog>
  );
}

function MoveFile({ ws, file, folders, onClose }: { ws: string; file: FileRow | null; folders: Folder[]; onClose: () => void }) {
  const [target, setTarget] = useState(TOP);
  useEffect(() => setTarget(file?.folder ?? TOP), [file]);
  const save = useMutation({
    mutationFn: () => patch(`/w/${ws}/files/${file!.id}`, { folder: target === TOP ? null : target }),
    onSuccess: () => close(),
  });
  const close = () => {
    save.reset();
    onClose();
  };
  return (
    <ModalDialog isOpen={file !== null} onOpenChange={(open) => !open && close()} title={`Move ${file?.filename_download ?? 'file'}`}>
      <Form
        className="stack"
        onSubmit={(event) => {
          event.preventDefault();
          save.mutate();
        }}
      >
        <SelectField label="Folder" value={target} options={[{ id: TOP, label: 'All files (top)' }, ...folderChoices(folders)]} onChange={setTarget} />
        <ErrorAlert error={save.error} />
        <div className="row end">
          <Button onPress={close}>Cancel</Button>
          <Button type="submit" variant="primary" isPending={save.isPending}>
            Move
          </Button>
        </div>
      </Form>
    </ModalDialog>
  );
}
