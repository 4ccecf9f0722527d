import { describe, expect, it } from 'vitest';
import { moveFor, PAGE_ROWS } from './grid-keys';

describe('moveFor: where a key moves the focus in a grid of 100 rows and 5 columns', () => {
  const move = (key: string, row: number, col: number, ctrl = false) => moveFor(key, ctrl, { row, col }, 100, 5);

  it('moves one cell with the arrows', () => {
    expect(move('ArrowDown', 3, 2)).toEqual({ row: 4, col: 2 });
    expect(move('ArrowUp', 3, 2)).toEqual({ row: 2, col: 2 });
    expect(move('ArrowRight', 3, 2)).toEqual({ row: 3, col: 3 });
    expect(move('ArrowLeft', 3, 2)).toEqual({ row: 3, col: 1 });
  });

  it('stops at the edges instead of wrapping', () => {
    expect(move('ArrowUp', 0, 2)).toEqual({ row: 0, col: 2 });
    expect(move('ArrowDown', 99, 2)).toEqual({ row: 99, col: 2 });
    expect(move('ArrowLeft', 3, 0)).toEqual({ row: 3, col: 0 });
    expect(move('ArrowRight', 3, 4)).toEqual({ row: 3, col: 4 });
  });

  it('pages by a screen of rows, clamped', () => {
    expect(move('PageDown', 3, 1)).toEqual({ row: 3 + PAGE_ROWS, col: 1 });
    expect(move('PageUp', 3, 1)).toEqual({ row: 0, col: 1 });
    expect(move('PageDown', 95, 1)).toEqual({ row: 99, col: 1 });
  });

  it('goes to the ends of the row with Home and End, of the grid with Ctrl', () => {
    expect(move('Home', 7, 3)).toEqual({ row: 7, col: 0 });
    expect(move('End', 7, 1)).toEqual({ row: 7, col: 4 });
    expect(move('Home', 7, 3, true)).toEqual({ row: 0, col: 0 });
    expect(move('End', 7, 1, true)).toEqual({ row: 99, col: 4 });
  });

  it('leaves other keys to the grid (Enter, Space, Escape, letters)', () => {
    for (const key of ['Enter', ' ', 'Escape', 'a', 'Tab']) expect(move(key, 3, 2)).toBeNull();
  });
});
