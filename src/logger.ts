import { pino, type Logger, type LoggerOptions as PinoOptions } from 'pino';

import { maskKnownSecrets } from './model/known-secrets.js';

export type { Logger };

/**
 * Fields that never reach a log line as they are: credentials (wherever a header map, a user or
 * a config object is logged) and secret maps. Values are replaced by `[REDACTED]`.
 */
export const LOG_REDACT_PATHS = [
  'authorization',
  'cookie',
  'password',
  'passwordHash',
  'secrets',
  'encryptionKey',
  '*.authorization',
  '*.cookie',
  '*.password',
  '*.passwordHash',
  '*.secrets',
  '*.encryptionKey',
  '*.*.secrets',
  '*.headers.authorization',
  '*.headers.cookie',
  '*.headers["set-cookie"]',
  'datastore.encryption.key',
  '*.keyauth.key',
];

/**
 * The options every logger shares: the redact paths above, and a last pass over each finished
 * line that masks the secret values this process has handled (model/known-secrets.ts), so a
 * secret quoted inside an error message or any longer value is masked too.
 */
export function secureLoggerOptions(level: string): PinoOptions {
  return {
    level,
    redact: { paths: LOG_REDACT_PATHS, censor: '[REDACTED]' },
    hooks: { streamWrite: maskKnownSecrets },
  };
}

export interface LoggerOptions {
  level: string;
  format: 'json' | 'pretty';
}

/** The one root logger. Components receive children of it (`logger.child({ component })`). */
export function createLogger({ level, format }: LoggerOptions): Logger {
  if (format === 'pretty') {
    return pino({
      ...secureLoggerOptions(level),
      transport: { target: 'pino-pretty', options: { colorize: true, destination: 2, ignore: 'pid,hostname' } },
    });
  }
  return pino(secureLoggerOptions(level), pino.destination({ dest: 2, sync: false }));
}

/** A logger that drops everything, for tests and embedded use. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
