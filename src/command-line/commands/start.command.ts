import type { CliCommand } from '../cli-command';
import { usageError } from '../cli-errors';
import { globalOptions } from '../global-options';

/** `cairn start`: the server, as `npm start` runs it. */
export const command: CliCommand = {
  order: 10,
  register(program, host) {
    program
      .command('start')
      .description('Run the server, as `npm start` does (node dist/main.js), with the configuration of the environment (DATABASE_URL, PORT, …). It runs until SIGTERM or SIGINT.')
      .action(async (_options, cmd) => {
        if (globalOptions(cmd).url !== undefined) throw usageError('start runs a server here; --url (or CAIRN_URL) names one running elsewhere.');
        await host.startServer();
      });
  },
};
