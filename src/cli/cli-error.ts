/**
 * A failure explained to the user (bad mode, server unreachable): `main.ts` prints its
 * message, without a stack, and exits 1.
 */
export class CliError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CliError';
  }
}
