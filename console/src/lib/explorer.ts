/** The tools of the API explorer: Cairn's own Swagger UI and GraphiQL pages for a workspace. */
export type ExplorerTool = 'rest' | 'graphql';

/**
 * The address of a tool's page, sending as `token`. The token rides in the fragment, which the browser
 * never sends to the server (no access log holds it); the pages read it from there and set the
 * Authorization header of the requests they make. No token: the pages send none (the public role).
 */
export function explorerAddress(ws: string, tool: ExplorerTool, token: string | null): string {
  const page = tool === 'rest' ? `/api/v1/w/${encodeURIComponent(ws)}/docs` : `/api/v1/w/${encodeURIComponent(ws)}/graphql`;
  return token ? `${page}#access_token=${encodeURIComponent(token)}` : page;
}
