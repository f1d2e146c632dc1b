/**
 * The `drover` command line. `bin/drover.js` calls `main(process.argv)`.
 *
 * Every failure ends here: its message goes to stderr as `error: <message>` and the exit code
 * is 1. Commander's own usage errors (unknown command or option) print themselves the same way.
 */
import { Command, CommanderError } from 'commander';
import { VERSION } from '../version.js';
import { registerHealth } from './commands/health.js';
import { registerMigration } from './commands/migration.js';
import { registerRun } from './commands/run.js';

/** Build the command tree. Exported for tests that inspect the help text. */
export function buildProgram(): Command {
  const program = new Command('drover')
    .description("A workflow engine that speaks Tork's REST API and job format")
    .version(VERSION, '-V, --version', 'print the version')
    .option(
      '-c, --config <file>',
      'config file (default: $DROVER_CONFIG, ./drover.toml, ~/.drover/drover.toml, /etc/drover/drover.toml)',
    )
    .showSuggestionAfterError()
    // Throw instead of exiting, so that one place decides the exit code; subcommands copy this.
    .exitOverride();
  registerRun(program);
  registerMigration(program);
  registerHealth(program);
  return program;
}

/** Run the command line; sets `process.exitCode` rather than exiting (except `run`, see run.ts). */
export async function main(argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (err) {
    process.exitCode = exitCodeFor(err);
  }
}

function exitCodeFor(err: unknown): number {
  // Commander has already printed its message (or the help/version text for exit code 0).
  if (err instanceof CommanderError) return err.exitCode;
  process.stderr.write(`error: ${describe(err)}\n`);
  return 1;
}

/** The message, then each cause's message: the context first, the root cause last. */
function describe(err: unknown): string {
  const lines: string[] = [];
  let current: unknown = err;
  while (current !== undefined && lines.length < 5) {
    lines.push(current instanceof Error ? current.message : String(current));
    current = current instanceof Error ? current.cause : undefined;
  }
  return lines.join('\n  caused by: ');
}
