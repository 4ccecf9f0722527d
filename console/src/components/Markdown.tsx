import { useMemo } from 'react';
import { renderMarkdown } from '../lib/markdown';

/** A Markdown document, such as a template's README, rendered as HTML with nothing of it executable. */
export function Markdown({ source, label }: { source: string; label: string }) {
  const html = useMemo(() => renderMarkdown(source), [source]);
  // Focusable: it scrolls, and a keyboard must be able to scroll it.
  return <div className="markdown" aria-label={label} role="document" tabIndex={0} dangerouslySetInnerHTML={{ __html: html }} />;
}
