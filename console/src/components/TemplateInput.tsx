import { useId, useRef, useState, type KeyboardEvent } from 'react';
import { insertPath, openTemplateAt, suggestPaths } from '../lib/templates';

interface TemplateInputProps {
  label: string;
  value: string;
  onChange: (value: string) => void;
  /** The paths a `{{ … }}` template can read here. */
  paths: string[];
  multiline?: boolean;
  hint?: string;
  error?: string;
  placeholder?: string;
  className?: string;
}

/**
 * A text field for a flow's options that offers template paths: typing `{{` (or inside an open template)
 * lists the paths that match what is typed; arrows move, Enter or Tab take one, Escape closes the list.
 * The field stays a textbox (aria-autocomplete, aria-activedescendant), so screen readers read it as one.
 */
export function TemplateInput({ label, value, onChange, paths, multiline, hint, error, placeholder, className }: TemplateInputProps) {
  const id = useId();
  const field = useRef<HTMLInputElement & HTMLTextAreaElement>(null);
  const [cursor, setCursor] = useState<number | null>(null);
  const [active, setActive] = useState(0);
  const [dismissed, setDismissed] = useState(false);

  const open = cursor === null || dismissed ? null : openTemplateAt(value, cursor);
  // A short list, never scrolled: typing narrows it.
  const suggestions = open ? suggestPaths(paths, open.typed, 8) : [];
  const listId = `${id}-paths`;
  const showing = suggestions.length > 0;

  const pick = (path: string) => {
    if (cursor === null) return;
    const next = insertPath(value, cursor, path);
    if (!next) return;
    onChange(next.text);
    setCursor(next.cursor);
    setDismissed(true);
    requestAnimationFrame(() => field.current?.setSelectionRange(next.cursor, next.cursor));
  };

  const onKeyDown = (event: KeyboardEvent) => {
    if (!showing) return;
    if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      event.preventDefault();
      const step = event.key === 'ArrowDown' ? 1 : -1;
      setActive((index) => (index + step + suggestions.length) % suggestions.length);
    } else if (event.key === 'Enter' || event.key === 'Tab') {
      event.preventDefault();
      pick(suggestions[Math.min(active, suggestions.length - 1)]);
    } else if (event.key === 'Escape') {
      event.preventDefault();
      event.stopPropagation();
      setDismissed(true);
    }
  };

  const common = {
    id,
    ref: field,
    value,
    placeholder,
    spellCheck: false,
    'aria-autocomplete': 'list' as const,
    'aria-controls': showing ? listId : undefined,
    'aria-activedescendant': showing ? `${listId}-${Math.min(active, suggestions.length - 1)}` : undefined,
    'aria-invalid': error ? true : undefined,
    'aria-describedby': hint ? `${id}-hint` : undefined,
    onKeyDown,
    onBlur: () => setCursor(null),
    onSelect: (event: { currentTarget: HTMLInputElement | HTMLTextAreaElement }) => setCursor(event.currentTarget.selectionStart),
    onChange: (event: { currentTarget: HTMLInputElement | HTMLTextAreaElement }) => {
      onChange(event.currentTarget.value);
      setCursor(event.currentTarget.selectionStart);
      setDismissed(false);
      setActive(0);
    },
  };

  return (
    <div className={`field template-field ${className ?? ''}`}>
      <label htmlFor={id}>{label}</label>
      {multiline ? <textarea {...common} rows={4} className="mono" /> : <input {...common} className="mono" />}
      {showing && (
        <ul className="listbox template-paths" role="listbox" id={listId} aria-label={`Template paths for ${label}`}>
          {suggestions.map((path, index) => (
            <li
              key={path}
              id={`${listId}-${index}`}
              role="option"
              aria-selected={index === active}
              className="listbox-item mono"
              // The field keeps the focus: a press picks the path without blurring it first.
              onMouseDown={(event) => {
                event.preventDefault();
                pick(path);
              }}
            >
              {path}
            </li>
          ))}
        </ul>
      )}
      {hint && (
        <span className="hint" id={`${id}-hint`}>
          {hint}
        </span>
      )}
      {error && <span className="field-error">{error}</span>}
    </div>
  );
}
