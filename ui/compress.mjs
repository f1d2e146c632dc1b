// After `vite build`: write .br and .gz next to each JS and CSS asset, which @fastify/static
// serves to browsers that accept them (`preCompressed`), so no compression runs per request.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

const dir = join(new URL('.', import.meta.url).pathname, 'dist', 'assets');
for (const name of readdirSync(dir)) {
  if (!/\.(js|css)$/.test(name)) continue;
  const data = readFileSync(join(dir, name));
  writeFileSync(join(dir, `${name}.gz`), gzipSync(data, { level: 9 }));
  writeFileSync(
    join(dir, `${name}.br`),
    brotliCompressSync(data, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }),
  );
}
