import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';

import { secureLoggerOptions } from '../../src/logger.js';
import { forgetSecrets, rememberSecrets } from '../../src/model/known-secrets.js';

afterEach(() => forgetSecrets());

function capture() {
  const lines: string[] = [];
  const logger = pino(secureLoggerOptions('debug'), { write: (line: string) => void lines.push(line) });
  return { logger, lines };
}

describe("the server's own log", () => {
  it('masks a remembered secret inside longer values, messages and error stacks', () => {
    rememberSecrets({ token: 's3cr3t"quote' });
    const { logger, lines } = capture();
    logger.info({ url: 'https://u:s3cr3t"quote@host', nested: { deep: ['xs3cr3t"quotex'] } }, 'using s3cr3t"quote now');
    logger.error({ err: new Error('bad token s3cr3t"quote') }, 'failed');
    const text = lines.join('');
    expect(text).not.toContain('s3cr3t');
    const first = JSON.parse(lines[0]!) as Record<string, any>;
    expect(first.url).toBe('https://u:[REDACTED]@host');
    expect(first.nested.deep).toEqual(['x[REDACTED]x']);
    expect(first.msg).toBe('using [REDACTED] now');
    expect((JSON.parse(lines[1]!) as { err: { message: string } }).err.message).toBe('bad token [REDACTED]');
  });

  it('keeps every line valid JSON, even for a secret that looks like a number', () => {
    rememberSecrets({ pin: '30' });
    const { logger, lines } = capture();
    logger.info({ count: 30, label: 'pin 30' }, 'hello');
    const line = JSON.parse(lines[0]!) as Record<string, unknown>;
    expect(line).toMatchObject({ level: 30, count: 30, label: 'pin [REDACTED]' });
  });

  it('masks credentials and secret maps by field', () => {
    const { logger, lines } = capture();
    logger.info({
      headers: { authorization: 'Basic abc', cookie: 'drover_session=xyz' },
      user: { username: 'a', password: 'pw', passwordHash: 'scrypt$1' },
      job: { secrets: { A: 'b' }, context: { secrets: { A: 'b' } } },
    });
    const line = JSON.parse(lines[0]!) as Record<string, any>;
    expect(line.headers).toEqual({ authorization: '[REDACTED]', cookie: '[REDACTED]' });
    expect(line.user).toEqual({ username: 'a', password: '[REDACTED]', passwordHash: '[REDACTED]' });
    expect(line.job).toEqual({ secrets: '[REDACTED]', context: { secrets: '[REDACTED]' } });
  });
});
