import { json } from '@codemirror/lang-json';
import { HighlightStyle, syntaxHighlighting } from '@codemirror/language';
import { tags } from '@lezer/highlight';
import { EditorView, basicSetup } from 'codemirror';
import { useEffect, useRef } from 'react';
import { consoleTheme } from './codemirror-theme';

/** JSON's tokens in the console's colours, each at least 4.5:1 on the editor's backgrounds in both themes. */
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
        // tabindex: the text is focusable anyway (contenteditable), but axe looks for a tab stop inside a
        // scrolling region, and the editor scrolls once a line is longer than it is wide.
        EditorView.contentAttributes.of({ 'aria-labelledby': labelledBy, tabindex: '0' }),
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
