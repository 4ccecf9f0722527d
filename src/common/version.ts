import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** Cairn's version, from the nearest package.json above this file (in dist/ and in the test build alike). */
export function cairnVersion(): string {
  for (let dir = __dirname; dir !== dirname(dir); dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
  }
  return 'unknown';
}
