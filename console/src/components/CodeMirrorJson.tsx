import { json } from '@codemirror/lang-json';
import { HighlightStyle, syntaxHighlighting } from '@codemirror/language';
import { tags } from '@lezer/highlight';
import { EditorView, basicSetup } from 'codemirror';
import { useEffect, useRef } from 'react';

/**
 * The console's colours for the editor, light and dark alike: CodeMirror's own theme and highlighting are
 * for a light page only, and in the dark theme left a light gutter and red strings too faint to read.
 * Each token colour holds at least 4.5:1 on the editor's backgrounds in both themes.
 */
const consoleTheme = EditorView.theme({
  '&': { backgroundColor: 'var(--surface)', color: 'var(--text)' },
  '.cm-content': { caretColor: 'var(--text)' },
  '.cm-cursor, .cm-dropCursor': { borderLeftColor: 'var(--text)' },
  '.cm-gutters': { backgroundColor: 'var(--surface-2)', color: 'var(--muted)', borderRight: '1px solid var(--border)' },
  '.cm-activeLine': { backgroundColor: 'var(--surface-2)' },
  '.cm-activeLineGutter': { backgroundColor: 'var(--border)', color: 'var(--text)' },
  '&.cm-focused > .cm-scroller > .cm-selectionLayer .cm-selectionBackground, .cm-selectionBackground': { backgroundColor: 'light-dark(#cfe0fb, #2f4a6e)' },
});
const consoleHighlighting = HighlightStyle.define([
  { tag: tags.propertyName, color: 'light-dark(#222299, #9db8ff)' },
  { tag: tags.string, color: 'light-dark(#aa1111, #ff9e8f)' },
  { tag: [tags.number, tags.bool, tags.null], color: 'light-dark(#116644, #7ee2b8)' },
  { tag: tags.invalid, color: 'light-dark(#cc0000, #ff6b6b)' },
]);

/** CodeMirror 6 on JSON; its own chunk, loaded by JsonEditor when needed. */
export default function CodeMirrorJson({ value, onChange, labelledBy }: { value: string; onChange: (value: string) => void; labelledBy: string }) {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | null>(null);
  const latest = useRef(onChange);
  latest.current = onChange;

  useEffect(() => {
    const editor = new EditorView({
      doc: value,
      parent: host.current!,
      extensions: [
        basicSetup,
        json(),
        consoleTheme,
        syntaxHighlighting(consoleHighlighting),
        EditorView.contentAttributes.of({ 'aria-labelledby': labelledBy }),
        EditorView.updateListener.of((update) => {
          if (update.docChanged) latest.current(update.state.doc.toString());
        }),
      ],
    });
    view.current = editor;
    return () => editor.destroy();
    // The editor owns its text once created; outside changes arrive through the effect below.
  }, []);

  useEffect(() => {
    const editor = view.current;
    if (editor && editor.state.doc.toString() !== value) editor.dispatch({ changes: { from: 0, to: editor.state.doc.length, insert: value } });
  }, [value]);

  return <div className="cm-host" ref={host} />;
}
