import type { Config } from '../config/config.js';
import type { Logger } from '../logger.js';
import { VERSION } from '../version.js';

/** Announce the server starting, as `cli.banner.mode` asks: on stdout, in the log, or not at all. */
export function showBanner(config: Config, logger: Logger, mode: string): void {
  switch (config.cli.banner.mode) {
    case 'console':
      process.stdout.write(`Drover ${VERSION} · ${mode}\n`);
      break;
    case 'log':
      logger.info({ version: VERSION, mode }, 'drover starting');
      break;
    case 'off':
      break;
  }
}
