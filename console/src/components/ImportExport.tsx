import { useId, useMemo, useState } from 'react';
import { authorizedFetch, queryString, type Query } from '../api/client';
import { errorFromBody } from '../api/errors';
import { postForm } from '../api/upload';
import type { Collection } from '../api/types';
import { autoMapping, fileColumns, SKIP, type ImportFailure, type ImportResult } from '../lib/transfer';
import { editableFields } from './RecordForm';
import { Button, ErrorAlert, ModalDialog, SelectField } from './ui';

/**
 * Downloads the collection's items as CSV or JSON: the current filter, search and sort, every page,
 * as the server streams them. Fetched (not a plain link) because the access token travels in a header.
 */
export async function downloadExport(ws: string, collection: string, format: 'csv' | 'json', query: Query): Promise<void> {
  const response = await authorizedFetch(new Request(`/api/v1/w/${ws}/items/${collection}${queryString({ ...query, export: format })}`, { credentials: 'same-origin' }));
  if (!response.ok) throw errorFromBody(response.status, await response.json().catch(() => null));
  const name = /filename="([^"]+)"/.exec(response.headers.get('content-disposition') ?? '')?.[1] ?? `${collection}.${format}`;
  const url = URL.createObjectURL(await response.blob());
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
  // The click has started the download from the blob; it can go once the browser has taken it.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

type Progress = { sent: number; total: number };

type Stage = { step: 'choose' } | { step: 'checking' } | { step: 'checked'; result: ImportResult } | { step: 'importing'; progress: Progress } | { step: 'done'; rows: number };

/** The import dialog: a file, its columns mapped to fields, a dry run, then the import with its progress. */
export default function ImportDialog({ ws, definition, isOpen, onOpenChange, onImported }: { ws: string; definition: Collection; isOpen: boolean; onOpenChange: (open: boolean) => void; onImported: () => void }) {
  const fileInput = useId();
  const [file, setFile] = useState<File | null>(null);
  const [columns, setColumns] = useState<string[]>([]);
  const [mapping, setMapping] = useState<Record<string, string>>({});
  const [stage, setStage] = useState<Stage>({ step: 'choose' });
  const [error, setError] = useState<unknown>(null);
  const fields = useMemo(() => editableFields(definition), [definition]);
  const options = useMemo(() => [{ id: SKIP, label: 'Skip this column' }, ...fields.map((f) => ({ id: f.field, label: `${f.field} (${f.type})` }))], [fields]);
  const busy = stage.step === 'checking' || stage.step === 'importing';

  const choose = async (chosen: File | null) => {
    setError(null);
    setStage({ step: 'choose' });
    setFile(chosen);
    setColumns([]);
    if (!chosen) return;
    try {
      const found = await fileColumns(chosen);
      setColumns(found);
      setMapping(autoMapping(found, fields.map((f) => f.field)));
    } catch (problem) {
      setError(problem);
    }
  };

  const send = async (dryRun: boolean) => {
    if (!file) return;
    setError(null);
    const form = () => {
      const parts = new FormData();
      // The mapping goes first: the server reads it before the file streams in.
      parts.append('mapping', JSON.stringify(Object.fromEntries(columns.map((column) => [column, mapping[column] === SKIP ? null : mapping[column]]))));
      parts.append('file', file, file.name);
      return parts;
    };
    const path = `/w/${ws}/items/${definition.collection}/import${dryRun ? '?dry_run=true' : ''}`;
    setStage(dryRun ? { step: 'checking' } : { step: 'importing', progress: { sent: 0, total: file.size } });
    try {
      // The server parses and writes the file while it arrives, so the upload's progress is the import's.
      const result = await postForm<ImportResult>(path, form, {
        onProgress: (sent, total) => {
          if (!dryRun) setStage({ step: 'importing', progress: { sent, total } });
        },
      });
      if (dryRun) setStage({ step: 'checked', result });
      else {
        setStage({ step: 'done', rows: result.rows });
        onImported();
      }
    } catch (problem) {
      setError(problem);
      setStage({ step: 'choose' });
    }
  };

  const close = (open: boolean) => {
    if (busy) return;
    if (!open) {
      setFile(null);
      setColumns([]);
      setStage({ step: 'choose' });
      setError(null);
    }
    onOpenChange(open);
  };

  const checked = stage.step === 'checked' ? stage.result : null;
  return (
    <ModalDialog isOpen={isOpen} onOpenChange={close} title={`Import into ${definition.collection}`} wide>
      <div className="import-dialog">
        <div className="field">
          <label htmlFor={fileInput}>CSV or JSON file</label>
          <input id={fileInput} type="file" accept=".csv,.json,text/csv,application/json" disabled={busy} onChange={(event) => void choose(event.target.files?.[0] ?? null)} />
          <span className="hint">CSV: the first row names the columns. JSON: an array of objects. Columns are matched to fields by name; change or skip any below.</span>
        </div>
        {columns.length > 0 && (
          <table className="mapping-table">
            <caption>Columns of {file?.name}</caption>
            <thead>
              <tr>
                <th scope="col">Column in the file</th>
                <th scope="col">Field</th>
              </tr>
            </thead>
            <tbody>
              {columns.map((column) => (
                <tr key={column}>
                  <th scope="row">{column}</th>
                  <td>
                    <SelectField
                      label={`Field for column ${column}`}
                      hideLabel
                      value={mapping[column] ?? SKIP}
                      options={options}
                      onChange={(value) => {
                        setMapping((m) => ({ ...m, [column]: value }));
                        if (stage.step === 'checked' || stage.step === 'done') setStage({ step: 'choose' });
                      }}
                    />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        <ErrorAlert error={error} />
        {stage.step === 'checking' && (
          <p role="status" className="hint">
            Checking every row…
          </p>
        )}
        {checked && <DryRunReport result={checked} />}
        {stage.step === 'importing' && <ImportProgress progress={stage.progress} />}
        {stage.step === 'done' && (
          <p role="status" className="import-done">
            Imported {stage.rows.toLocaleString()} {stage.rows === 1 ? 'row' : 'rows'}.
          </p>
        )}
        <div className="row end">
          <Button onPress={() => close(false)} isDisabled={busy}>
            {stage.step === 'done' ? 'Close' : 'Cancel'}
          </Button>
          <Button onPress={() => void send(true)} isDisabled={!file || columns.length === 0 || busy}>
            Dry run
          </Button>
          <Button variant="primary" onPress={() => void send(false)} isDisabled={!file || columns.length === 0 || busy || stage.step === 'done'}>
            Import
          </Button>
        </div>
      </div>
    </ModalDialog>
  );
}

function DryRunReport({ result }: { result: ImportResult }) {
  if (result.errors.length === 0) {
    return (
      <p role="status" className="import-ok">
        Dry run: all {result.rows.toLocaleString()} rows can be imported.
      </p>
    );
  }
  const rows = new Set(result.errors.map((failure) => failure.row)).size;
  return (
    <div className="dry-run">
      <p role="status" className="import-failed">
        Dry run: {rows.toLocaleString()} of {result.rows.toLocaleString()} rows would fail; nothing was written.
      </p>
      <table className="failures">
        <caption>Rows that would fail</caption>
        <thead>
          <tr>
            <th scope="col">Row</th>
            <th scope="col">Column</th>
            <th scope="col">Message</th>
          </tr>
        </thead>
        <tbody>
          {result.errors.map((failure: ImportFailure, index) => (
            <tr key={`${failure.row}-${failure.field ?? ''}-${index}`}>
              <td>{failure.row}</td>
              <td>{failure.field ?? '—'}</td>
              <td>{failure.message}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function ImportProgress({ progress }: { progress: Progress }) {
  const percent = progress.total > 0 ? Math.min(100, Math.round((progress.sent / progress.total) * 100)) : 0;
  // Every byte sent is not every row written: the last rows are written once the upload has ended.
  const label = percent >= 100 ? 'Writing the last rows…' : `Uploading and importing: ${percent}%`;
  return (
    <div className="import-progress">
      <div className="progress" role="progressbar" aria-label="Import progress" aria-valuemin={0} aria-valuemax={100} aria-valuenow={percent} aria-valuetext={label}>
        <div className="progress-bar" style={{ width: `${percent}%` }} />
      </div>
      <span className="hint">{label}</span>
    </div>
  );
}
