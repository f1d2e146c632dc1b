import { accessSync, constants, existsSync } from 'node:fs';
import { dirname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SpawnerRequest } from './spawner-program.js';

/**
 * The native spawner (native/spawner.c, built by `npm run build` into `dist/native/` where a C
 * compiler is found): the same spawner, with a process of about 1 MB to fork instead of a
 * Node.js one of about 50 MB. On this project's 2-core machines a fork from it costs about half
 * of one from Node.js, in CPU and in latency.
 */

const BINARY = join('dist', 'native', 'drover-spawner');

let located: string | null | undefined;

/** The built native spawner, or undefined when there is none (no compiler at build time). */
export function nativeSpawnerPath(): string | undefined {
  if (located === undefined) located = locate();
  return located ?? undefined;
}

/** The checkout or package root: the first directory up from here with a package.json. */
function locate(): string | null {
  if (process.platform !== 'linux') return null;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) {
      const binary = join(dir, BINARY);
      try {
        accessSync(binary, constants.X_OK);
        return binary;
      } catch {
        return null;
      }
    }
    const parent = dirname(dir);
    if (parent === dir) return null;
    dir = parent;
  }
}

/** One field of a request line: tabs, newlines, NULs and backslashes escaped (see spawner.c). */
function field(value: string | number | undefined): string {
  if (value === undefined) return '';
  return String(value).replace(/[\\\t\n\0]/g, (c) => (c === '\t' ? '\\t' : c === '\n' ? '\\n' : c === '\0' ? '\\0' : '\\\\'));
}

/** A request as the native spawner reads it: one line of tab-separated fields. */
export function encodeNativeRequest(request: SpawnerRequest): string {
  if (request.op === 'kill') return `kill\t${request.id}\n`;
  const { workdir } = request;
  const files = Object.entries(workdir.files ?? {}).flatMap(([name, contents]) => {
    const clean = normalize(name);
    return [join(workdir.dir, clean), contents, clean.includes(sep) ? 1 : 0];
  });
  const env = Object.entries(request.env).map(([name, value]) => `${name}=${value}`);
  const fields = [
    'run',
    request.id,
    request.command,
    request.args.length,
    ...request.args,
    env.length,
    ...env,
    request.uid,
    request.gid,
    workdir.dir,
    workdir.outputPath,
    workdir.progressPath,
    workdir.entrypointPath,
    workdir.run,
    Object.keys(workdir.files ?? {}).length,
    ...files,
    workdir.names.length,
    ...workdir.names,
    workdir.readResults ? 1 : 0,
  ];
  return `${fields.map(field).join('\t')}\n`;
}
