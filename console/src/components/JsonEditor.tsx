import { lazy, Suspense } from 'react';

const CodeMirrorJson = lazy(() => import('./CodeMirrorJson'));

/** A JSON editor: CodeMirror, loaded only when a screen first shows one; a plain text area until then. */
export function JsonEditor({ label, value, onChange, error }: { label: string; value: string; onChange: (value: string) => void; error?: string }) {
  const id = `json-${label.replace(/\W+/g, '-')}`;
  return (
    <div className="field">
      <span className="label" id={id}>
        {label}
      </span>
      <Suspense fallback={<textarea aria-labelledby={id} value={value} onChange={(event) => onChange(event.target.value)} />}>
        <CodeMirrorJson labelledBy={id} value={value} onChange={onChange} />
      </Suspense>
      {error && <span className="field-error">{error}</span>}
    </div>
  );
}
