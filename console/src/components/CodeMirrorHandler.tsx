import { autocompletion, type CompletionContext, type CompletionResult } from '@codemirror/autocomplete';
import { javascript } from '@codemirror/lang-javascript';
import { HighlightStyle, syntaxHighlighting } from '@codemirror/language';
import { lintGutter, setDiagnostics } from '@codemirror/lint';
import { tags } from '@lezer/highlight';
import { EditorView, basicSetup } from 'codemirror';
import { useEffect, useRef } from 'react';
import { completeHandler, offsetOf, type HandlerKind, type SchemaCollection } from '../lib/handler-context';
import { consoleTheme } from './codemirror-theme';

/** JavaScript's tokens in the console's colours, each at least 4.5:1 on the editor's backgrounds in both themes. */
const scriptHighlighting = HighlightStyle.define([
  { tag: [tags.keyword, tags.controlKeyword, tags.definitionKeyword, tags.moduleKeyword], color: 'light-dark(#7a1fa2, #d7a6ff)' },
  { tag: [tags.propertyName], color: 'light-dark(#222299, #9db8ff)' },
  { tag: [tags.string, tags.special(tags.string)], color: 'light-dark(#aa1111, #ff9e8f)' },
  { tag: [tags.number, tags.bool, tags.null], color: 'light-dark(#116644, #7ee2b8)' },
  { tag: [tags.comment, tags.lineComment, tags.blockComment], color: 'light-dark(#5c6370, #a5adba)', fontStyle: 'italic' },
  { tag: tags.invalid, color: 'light-dark(#cc0000, #ff6b6b)' },
]);

/** A compile error as the server names it: its message, line and column (from 1). */
export interface CompileProblem {
  message: string;
  line: number;
  column: number;
}

interface Props {
  value: string;
  onChange: (value: string) => void;
  labelledBy: string;
  /** What completion offers after `ctx.`: the workspace's collections and the handler's kind. */
  schema: SchemaCollection[];
  kind: HandlerKind;
  collection: string | null;
  /** The last save's compile error, shown at its line as a lint diagnostic; null clears it. */
  problem: CompileProblem | null;
}

/** CodeMirror 6 on a handler's JavaScript, with `ctx` completed from the live schema; its own chunk, loaded by HandlerEditor. */
export default function CodeMirrorHandler({ value, onChange, labelledBy, schema, kind, collection, problem }: Props) {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | null>(null);
  const latest = useRef({ onChange, schema, kind, collection });
  latest.current = { onChange, schema, kind, collection };

  useEffect(() => {
    const complete = (context: CompletionContext): CompletionResult | null => {
      const { schema: collections, kind: handlerKind, collection: own } = latest.current;
      const line = context.state.doc.lineAt(context.pos);
      const before = context.state.sliceDoc(Math.max(0, line.from - 2000), context.pos);
      const found = completeHandler(before, collections, handlerKind, own);
      if (!found || (found.from === before.length && !context.explicit && !/[.('"`{,]\s*$/.test(before))) return null;
      return { from: context.pos - (before.length - found.from), options: found.options, validFor: /^[\w$]*$/ };
    };
    const editor = new EditorView({
      doc: value,
      parent: host.current!,
      extensions: [
        basicSetup,
        javascript(),
        autocompletion({ override: [complete], activateOnTyping: true }),
        lintGutter(),
        // Wrapped, so that a compile error's column is in sight however long its line.
        EditorView.lineWrapping,
        consoleTheme,
        syntaxHighlighting(scriptHighlighting),
        // tabindex: the text is focusable anyway (contenteditable), but axe looks for a tab stop inside a
        // scrolling region, and the editor scrolls once a line is longer than it is wide.
        EditorView.contentAttributes.of({ 'aria-labelledby': labelledBy, tabindex: '0' }),
        EditorView.updateListener.of((update) => {
          if (update.docChanged) latest.current.onChange(update.state.doc.toString());
        }),
      ],
    });
    view.current = editor;
    return () => editor.destroy();
    // The editor owns its text once created; outside changes arrive through the effects below.
  }, []);

  useEffect(() => {
    const editor = view.current;
    if (editor && editor.state.doc.toString() !== value) editor.dispatch({ changes: { from: 0, to: editor.state.doc.length, insert: value } });
  }, [value]);

  useEffect(() => {
    const editor = view.current;
    if (!editor) return;
    if (!problem) {
      editor.dispatch(setDiagnostics(editor.state, []));
      return;
    }
    const text = editor.state.doc.toString();
    const from = offsetOf(text, problem.line, problem.column);
    const to = Math.min(from + 1, editor.state.doc.lineAt(from).to);
    editor.dispatch(setDiagnostics(editor.state, [{ from, to: Math.max(to, from), severity: 'error', message: problem.message, source: `line ${problem.line}, column ${problem.column}` }]));
  }, [problem]);

  return <div className="cm-host cm-handler" ref={host} />;
}
