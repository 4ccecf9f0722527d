import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Button as AriaButton, ComboBox, FileTrigger, Input, Label, ListBox, ListBoxItem, Popover } from 'react-aria-components';
import { get } from '../api/client';
import { messageOf } from '../api/errors';
import type { FileRow } from '../api/types';
import { uploadFile } from '../api/upload';
import { FileThumbnail } from './FileThumbnail';
import { Button } from './ui';

const FILE_FIELDS = 'id,filename_download,title,type,filesize,folder,uploaded_on';

/**
 * The input of a `file` field: the chosen file's thumbnail and name, a search of the workspace's files to
 * pick another, and an upload that picks the new file. The value is the file's id, as the field stores it;
 * an upload is only a file until the record is saved with it.
 */
export function FilePicker({ ws, label, value, onChange, error }: { ws: string; label: string; value: string; onChange: (value: string) => void; error?: string }) {
  const [search, setSearch] = useState('');
  // Names of files picked or uploaded here, shown at once: text that changed later, while the input has
  // the focus, would open the list again.
  const [names, setNames] = useState<Record<string, string>>({});
  const queryClient = useQueryClient();
  const options = useQuery({
    queryKey: ['w', ws, 'files', 'picker', search],
    queryFn: () => get<FileRow[]>(`/w/${ws}/files`, { search: search || undefined, limit: 20, sort: '-uploaded_on', fields: FILE_FIELDS }),
  });
  const chosen = useQuery({
    queryKey: ['w', ws, 'files', 'one', value],
    queryFn: () => get<FileRow>(`/w/${ws}/files/${value}`, { fields: FILE_FIELDS }),
    enabled: value !== '',
    retry: false,
  });
  const upload = useMutation({
    mutationFn: (file: File) => uploadFile({ ws, file }),
    onSuccess: (file) => {
      queryClient.setQueryData(['w', ws, 'files', 'one', file.id], file);
      setNames((known) => ({ ...known, [file.id]: file.filename_download }));
      void queryClient.invalidateQueries({ queryKey: ['w', ws, 'files', 'picker'] });
      onChange(file.id);
    },
  });
  const items = (options.data ?? []).map((file) => ({ id: file.id, label: file.filename_download }));
  const current = chosen.data && chosen.data.id === value ? chosen.data : null;
  // The upload and clear buttons sit beside the combo box, not in it: a button inside would open its list.
  return (
    <div className="row file-picker">
      {current ? <FileThumbnail ws={ws} file={current} /> : null}
      <ComboBox
        className="field"
        items={items}
        selectedKey={value || null}
        inputValue={search || names[value] || current?.filename_download || value}
        onInputChange={setSearch}
        onSelectionChange={(key) => {
          const picked = key === null ? '' : String(key);
          const name = items.find((item) => item.id === picked)?.label;
          if (name) setNames((known) => ({ ...known, [picked]: name }));
          onChange(picked);
          setSearch('');
        }}
        allowsEmptyCollection
      >
        <Label>{label}</Label>
        <div className="row">
          <Input className="input" />
          <AriaButton className="btn small" aria-label={`Show files for ${label}`}>
            ▾
          </AriaButton>
        </div>
        {error && <span className="field-error">{error}</span>}
        {upload.error ? <span className="field-error">{messageOf(upload.error)}</span> : null}
        <Popover className="popover">
          <ListBox className="listbox">{(option: { id: string; label: string }) => <ListBoxItem className="listbox-item" id={option.id}>{option.label}</ListBoxItem>}</ListBox>
        </Popover>
      </ComboBox>
      <FileTrigger onSelect={(files) => files?.[0] && upload.mutate(files[0])}>
        <Button small isPending={upload.isPending} aria-label={`Upload a file for ${label}`}>
          Upload
        </Button>
      </FileTrigger>
      {value ? (
        <Button small variant="ghost" aria-label={`Clear ${label}`} onPress={() => onChange('')}>
          Clear
        </Button>
      ) : null}
    </div>
  );
}
