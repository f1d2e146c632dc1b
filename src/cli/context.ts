/**
 * What every command starts with: the loaded config and the root logger, with the loader's
 * warnings already logged. A bad config throws `ConfigError`, which `main.ts` prints.
 */
import type { Config } from '../config/config.js';
import { loadConfig } from '../config/load.js';
import { createLogger, type Logger } from '../logger.js';

/** Options every command accepts (declared on the root command). */
export interface GlobalOptions {
  /** `--config <file>`: read this file instead of `DROVER_CONFIG` or the search path. */
  config?: string;
}

export interface CommandContext {
  config: Config;
  logger: Logger;
}

export function prepareCommand(options: GlobalOptions): CommandContext {
  const { config, warnings, file } = loadConfig({ configFile: options.config });
  const logger = createLogger(config.logging);
  if (file) logger.debug({ file }, 'config file read');
  for (const warning of warnings) logger.warn(warning);
  return { config, logger };
}

/** Resolve once everything the logger has buffered is written (before `process.exit`). */
export function flushLogger(logger: Logger): Promise<void> {
  return new Promise((resolve) => {
    logger.flush(() => resolve());
  });
}
