/**
 * `drover run <mode>`: start the engine and keep it up until SIGINT or SIGTERM. The first
 * signal closes the engine gracefully and exits 0; a second one exits at once.
 */
import type { Command } from 'commander';
import { deferred } from '../../async.js';
import type { Mode } from '../../engine.js';
import type { Logger } from '../../logger.js';
import { withYoungGenerationHeld } from '../../young-generation.js';
import { showBanner } from '../banner.js';
import { flushLogger, prepareCommand, type GlobalOptions } from '../context.js';
import { CliError } from '../cli-error.js';

export const MODES: readonly Mode[] = ['standalone', 'coordinator', 'worker'];

const SIGNALS = ['SIGINT', 'SIGTERM'] as const;

export function registerRun(program: Command): void {
  program
    .command('run')
    .description('run the engine: standalone (all in one process), coordinator or worker')
    .argument('[mode]', MODES.join(', '))
    .action(async (mode: string | undefined, _options: unknown, command: Command) => {
      if (mode === undefined) {
        // Tork's order: the usage first, then what was wrong.
        command.outputHelp({ error: true });
        command.error("error: missing required argument 'mode'");
      }
      if (!isMode(mode)) throw new CliError(`Unknown mode: ${mode}`);
      await runEngine(mode, command.optsWithGlobals<GlobalOptions>());
    });
}

function isMode(mode: string): mode is Mode {
  return (MODES as readonly string[]).includes(mode);
}

async function runEngine(mode: Mode, options: GlobalOptions): Promise<void> {
  const { config, logger } = prepareCommand(options);
  // Installed first: a signal that arrives while the engine starts still shuts it down cleanly.
  const stop = waitForSignal(logger);
  try {
    showBanner(config, logger, mode);
    const engine = await withYoungGenerationHeld(async () => {
      // Imported here so that `health` and `--help` do not load the whole engine.
      const { startEngine } = await import('../../engine.js');
      return startEngine({ config, mode, logger });
    });
    logger.info({ mode, url: engine.url }, 'engine started');
    const signal = await stop.signal;
    logger.info({ signal }, 'shutting down');
    await engine.close();
    logger.info('stopped');
  } finally {
    stop.dispose();
  }
  await flushLogger(logger);
  // Exit even if a stray handle would keep the event loop alive.
  process.exit(0);
}

/** Resolves with the first SIGINT/SIGTERM; a second signal exits the process immediately. */
function waitForSignal(logger: Logger): { signal: Promise<string>; dispose(): void } {
  const first = deferred<string>();
  let received = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (received) {
      logger.warn({ signal }, 'second signal, exiting without waiting');
      process.exit(1);
    }
    received = true;
    first.resolve(signal);
  };
  for (const signal of SIGNALS) process.on(signal, onSignal);
  return {
    signal: first.promise,
    dispose: () => {
      for (const signal of SIGNALS) process.off(signal, onSignal);
    },
  };
}
