/** `drover migration`: create or upgrade the configured datastore's schema. Safe to repeat. */
import type { Command } from 'commander';
import { prepareCommand, type GlobalOptions } from '../context.js';

export function registerMigration(program: Command): void {
  program
    .command('migration')
    .description("create or upgrade the configured datastore's schema")
    .action(async (_options: unknown, command: Command) => {
      const { config, logger } = prepareCommand(command.optsWithGlobals<GlobalOptions>());
      const { openDatastore } = await import('../../engine.js');
      const datastore = await openDatastore(config, logger);
      try {
        await datastore.migrate();
      } finally {
        await datastore.close();
      }
      logger.info({ datastore: config.datastore.type }, 'migration completed');
    });
}
