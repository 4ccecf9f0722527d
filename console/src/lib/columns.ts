/** What the explorer remembers per collection in this browser: hidden columns and widths. */
export interface ColumnPrefs {
  hidden: string[];
  widths: Record<string, number>;
}

const key = (ws: string, collection: string) => `cairn-studio-columns:${ws}:${collection}`;

export function loadColumnPrefs(ws: string, collection: string): ColumnPrefs {
  try {
    const stored = JSON.parse(localStorage.getItem(key(ws, collection)) ?? 'null') as Partial<ColumnPrefs> | null;
    return { hidden: Array.isArray(stored?.hidden) ? stored.hidden : [], widths: stored?.widths && typeof stored.widths === 'object' ? stored.widths : {} };
  } catch {
    return { hidden: [], widths: {} };
  }
}

export function saveColumnPrefs(ws: string, collection: string, prefs: ColumnPrefs): void {
  localStorage.setItem(key(ws, collection), JSON.stringify(prefs));
}

/** The `sort` parameter after a click on a header: alone, or added to the others with shift. */
export function nextSort(sort: string[], field: string, additive: boolean): string[] {
  const current = sort.find((s) => s === field || s === `-${field}`);
  const next = current === undefined ? field : current === field ? `-${field}` : null;
  if (!additive) return next ? [next] : [];
  if (current === undefined) return [...sort, next!];
  return next ? sort.map((s) => (s === current ? next : s)) : sort.filter((s) => s !== current);
}
