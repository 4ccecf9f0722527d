const KEY = 'cairn-studio-workspace';

/** The slug of the workspace opened last in this browser: the console starts there. */
export function lastWorkspace(): string | null {
  return localStorage.getItem(KEY);
}

export function rememberWorkspace(slug: string): void {
  localStorage.setItem(KEY, slug);
}
