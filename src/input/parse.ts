/**
 * Body decoding for job and scheduled-job definitions: picks JSON or YAML from the content
 * type and turns syntax errors into `InputError`s with a line and column.
 */
import { InputError } from '../errors.js';
import { decodeYaml, plainValue } from './yaml.js';
import type { YamlTree } from './yaml.js';

export type BodyFormat = 'json' | 'yaml';

/**
 * Media types accepted for definitions. Tork accepts `application/json`, `text/yaml` and
 * `application/x-yaml`; `application/yaml` (the registered type) and `text/x-yaml` are
 * accepted too. Parameters such as `; charset=utf-8` are ignored.
 */
const FORMATS: Record<string, BodyFormat> = {
  'application/json': 'json',
  'text/yaml': 'yaml',
  'application/x-yaml': 'yaml',
  'application/yaml': 'yaml',
  'text/x-yaml': 'yaml',
};

/** The body format for a `Content-Type` header value; throws `InputError` for others. */
export function bodyFormat(contentType: string | undefined): BodyFormat {
  const raw = contentType?.trim() ?? '';
  if (raw === '') throw new InputError('missing content type');
  const mediaType = (raw.split(';')[0] ?? '').trim().toLowerCase();
  const format = FORMATS[mediaType];
  if (!format) throw new InputError(`unknown content type: ${raw}`);
  return format;
}

/**
 * Decode a request body as JSON or YAML according to its content type, without validating it.
 * YAML scalars come back as plain values (`.5` → 0.5). Throws `InputError` for a missing or
 * unknown content type, an empty body (`body: is empty`) or a syntax error.
 */
export function parseBody(body: string, contentType: string | undefined): unknown {
  const decoded = decodeBody(body, contentType);
  return decoded.format === 'yaml' ? plainValue(decoded.value as YamlTree) : decoded.value;
}

/** A decoded body; YAML values are {@link YamlTree}s so validation can see literal text. */
export interface DecodedBody {
  format: BodyFormat;
  value: unknown;
}

/** Decode a body, keeping YAML scalars' literal text (see `yaml.ts`). */
export function decodeBody(body: string, contentType: string | undefined): DecodedBody {
  const format = bodyFormat(contentType);
  if (body.trim() === '') throw emptyBody();
  const value = format === 'json' ? decodeJson(body) : decodeYaml(body);
  if (value === undefined) throw emptyBody();
  return { format, value };
}

function emptyBody(): InputError {
  return new InputError([{ path: 'body', message: 'is empty' }]);
}

function decodeJson(body: string): unknown {
  try {
    return JSON.parse(body) as unknown;
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    throw new InputError([{ path: 'body', message: describeJsonError(message, body) }]);
  }
}

/** V8's messages name a character offset, or quote the whole body; give a line and column. */
function describeJsonError(message: string, body: string): string {
  const at = / in JSON at position (\d+)(?: \(line \d+ column \d+\))?$/.exec(message);
  if (at) {
    const { line, column } = lineColumn(body, Number(at[1]));
    return `invalid JSON at line ${line}, column ${column}: ${lowerFirst(message.slice(0, at.index))}`;
  }
  const token = /^(Unexpected token .*?), ".*" is not valid JSON$/s.exec(message);
  if (token) return `invalid JSON: ${lowerFirst(token[1] ?? '')}`;
  return `invalid JSON: ${lowerFirst(message)}`;
}

function lineColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const lines = before.split('\n');
  return { line: lines.length, column: (lines[lines.length - 1]?.length ?? 0) + 1 };
}

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}
