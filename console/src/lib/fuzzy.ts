/**
 * Fuzzy matching for the command palette: the query's characters must appear in the text in order, case
 * ignored; the score rewards matches at the start of words and in runs, so "ak" finds "API keys" before
 * "Markdown". Null when the text does not match.
 */
export function fuzzyScore(query: string, text: string): number | null {
  const q = query.trim().toLowerCase().replace(/\s+/g, ' ');
  if (!q) return 0;
  const t = text.toLowerCase();
  let score = 0;
  let from = 0;
  let previous = -2;
  for (const char of q) {
    if (char === ' ') {
      previous = -2;
      continue;
    }
    const at = t.indexOf(char, from);
    if (at < 0) return null;
    const wordStart = at === 0 || /[\s/_\-.›]/.test(t[at - 1]!) || (text[at] !== t[at] && text[at - 1] === t[at - 1]);
    score += 1;
    if (at === previous + 1) score += 4;
    if (wordStart) score += 6;
    if (at === 0) score += 4;
    score -= Math.min(at - from, 8) * 0.25;
    previous = at;
    from = at + 1;
  }
  // Shorter texts first among equals: "posts" before "posts_archive".
  return score - t.length * 0.01;
}

/** The items that match, best first; items of equal score keep their order. */
export function fuzzyFilter<T>(items: T[], query: string, text: (item: T) => string): T[] {
  if (!query.trim()) return items;
  return items
    .map((item, index) => ({ item, index, score: fuzzyScore(query, text(item)) }))
    .filter((entry): entry is { item: T; index: number; score: number } => entry.score !== null)
    .sort((a, b) => b.score - a.score || a.index - b.index)
    .map((entry) => entry.item);
}
