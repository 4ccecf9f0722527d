import { EditorView } from 'codemirror';

/**
 * The console's colours for the editors, light and dark alike: CodeMirror's own theme and highlighting are
 * for a light page only, and in the dark theme left a light gutter and red strings too faint to read.
 * Each token colour holds at least 4.5:1 on the editor's backgrounds in both themes.
 */
export const consoleTheme = EditorView.theme({
  '&': { backgroundColor: 'var(--surface)', color: 'var(--text)' },
  '.cm-content': { caretColor: 'var(--text)' },
  '.cm-cursor, .cm-dropCursor': { borderLeftColor: 'var(--text)' },
  '.cm-gutters': { backgroundColor: 'var(--surface-2)', color: 'var(--muted)', borderRight: '1px solid var(--border)' },
  '.cm-activeLine': { backgroundColor: 'var(--surface-2)' },
  '.cm-activeLineGutter': { backgroundColor: 'var(--border)', color: 'var(--text)' },
  '&.cm-focused > .cm-scroller > .cm-selectionLayer .cm-selectionBackground, .cm-selectionBackground': { backgroundColor: 'light-dark(#cfe0fb, #2f4a6e)' },
});
