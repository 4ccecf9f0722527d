#!/usr/bin/env node
// The `cairn` command of the package: runs the built command line (npm run build makes dist/).
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

const entry = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
if (!existsSync(entry)) {
  process.stderr.write('error: Cairn is not built yet: run `npm run build` (or `npx nest build`) first.\n');
  process.exit(1);
}
await import(pathToFileURL(entry).href);
