import { useEffect, useRef, useState, type KeyboardEvent } from 'react';

/** A cell of the grid: its row (0 = the first item) and column (0 = the selection column). */
export interface CellPosition {
  row: number;
  col: number;
}

/** How far PageUp and PageDown move: about one screen of rows. */
export const PAGE_ROWS = 20;

/**
 * Where a navigation key moves the focus in a grid of `rows` × `cols` cells, following the WAI-ARIA grid
 * pattern: arrows by one cell, Home/End to the row's ends (with Ctrl: the grid's), PageUp/PageDown by a
 * screen. Null for a key that does not move.
 */
export function moveFor(key: string, ctrl: boolean, at: CellPosition, rows: number, cols: number): CellPosition | null {
  const clamp = (row: number, col: number) => ({ row: Math.max(0, Math.min(rows - 1, row)), col: Math.max(0, Math.min(cols - 1, col)) });
  switch (key) {
    case 'ArrowDown':
      return clamp(at.row + 1, at.col);
    case 'ArrowUp':
      return clamp(at.row - 1, at.col);
    case 'ArrowRight':
      return clamp(at.row, at.col + 1);
    case 'ArrowLeft':
      return clamp(at.row, at.col - 1);
    case 'PageDown':
      return clamp(at.row + PAGE_ROWS, at.col);
    case 'PageUp':
      return clamp(at.row - PAGE_ROWS, at.col);
    case 'Home':
      return clamp(ctrl ? 0 : at.row, 0);
    case 'End':
      return clamp(ctrl ? rows - 1 : at.row, cols - 1);
    default:
      return null;
  }
}

const focusLost = () => document.activeElement === null || document.activeElement === document.body;

/**
 * Keyboard navigation of a virtualized grid with a roving tabindex: one cell is in the tab order, arrows
 * move it; a cell scrolled out of the DOM is focused once its row renders again. `rendered` is the window
 * of rows in the DOM: when the active row has left it, the tab stop is the first rendered row, so Tab
 * always reaches the grid. `scrollToRow` brings a row into the window; `onActivate` (Enter) and `onToggle`
 * (Space) act on the focused cell.
 */
export function useGridKeys({
  rows,
  cols,
  rendered,
  scrollToRow,
  onActivate,
  onToggle,
}: {
  rows: number;
  cols: number;
  rendered: { first: number; last: number };
  scrollToRow: (row: number) => void;
  onActivate: (at: CellPosition) => void;
  onToggle: (at: CellPosition) => void;
}) {
  const [active, setActive] = useState<CellPosition>({ row: 0, col: 1 });
  const grid = useRef<HTMLDivElement>(null);
  const pending = useRef<CellPosition | null>(null);

  const tryFocus = () => {
    const at = pending.current;
    const target = at && grid.current?.querySelector<HTMLElement>(`[data-row="${at.row}"][data-col="${at.col}"]`);
    if (target) {
      pending.current = null;
      target.focus();
      // focus() leaves a cell half hidden at the grid's right edge; the grid's scroll-padding keeps it
      // clear of the sticky header.
      target.scrollIntoView({ block: 'nearest', inline: 'nearest' });
    }
  };
  const refocusing = useRef(false);
  // After every render: the row of a pending focus may just have been rendered by the virtualizer, and a
  // closed inline editor may have dropped the focus to the page.
  useEffect(() => {
    tryFocus();
    if (refocusing.current) {
      refocusing.current = false;
      if (focusLost()) focusCell(active);
    }
  });

  const focusCell = (at: CellPosition) => {
    setActive(at);
    pending.current = at;
    scrollToRow(at.row);
    tryFocus();
  };

  /**
   * Puts the focus back on the active cell once an inline editor in it has closed, now or after the render
   * that removes it; not when the user has meanwhile focused something else.
   */
  const refocus = () => {
    if (focusLost()) focusCell(active);
    else refocusing.current = true;
  };

  const onKeyDown = (event: KeyboardEvent<HTMLElement>) => {
    const cell = event.target as HTMLElement;
    // Keys typed into a control inside a cell (an inline editor) are the control's.
    if (cell.dataset.row === undefined || cell.dataset.col === undefined) return;
    const at = { row: Number(cell.dataset.row), col: Number(cell.dataset.col) };
    const next = moveFor(event.key, event.ctrlKey || event.metaKey, at, rows, cols);
    if (next) focusCell(next);
    else if (event.key === 'Enter') onActivate(at);
    else if (event.key === ' ') onToggle(at);
    else return;
    event.preventDefault();
  };

  const tabRow = active.row >= rendered.first && active.row <= rendered.last ? active.row : rendered.first;
  /** Props of the cell at (row, col): in the tab order when it is the active one. */
  const cellProps = (row: number, col: number) => ({
    'data-row': row,
    'data-col': col,
    tabIndex: row === tabRow && col === active.col ? 0 : -1,
    onFocus: () => {
      if (row !== active.row || col !== active.col) setActive({ row, col });
    },
  });

  return { grid, cellProps, onKeyDown, focusCell, refocus };
}
