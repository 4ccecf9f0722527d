#!/usr/bin/env node
import 'reflect-metadata';
import { runCli } from './command-line/run-cli';

/**
 * The entry of `cairn`, the command line (bin/cairn.js runs it). It hands the commands what only a
 * top-level file may import: the root module for direct mode, and main.ts for `start`.
 */
void runCli(process.argv, {
  // Loaded only by the commands that open the database: --help and API mode start in a fraction of the time.
  appModule: async (config, clock) => (await import('./app.module')).AppModule.forRoot(config, clock),
  startServer: () => import('./main'),
}).then((code) => {
  if (code === 'running') return;
  // Exit once what was written has gone out: a command may leave a pool's idle timer behind.
  process.stdout.write('', () => process.exit(code));
});
