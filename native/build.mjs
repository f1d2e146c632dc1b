// Part of `npm run build`: compile the native spawner (spawner.c) into dist/native/, where the
// shell runtime looks for it (src/runtime/shell/native-spawner.ts). Without a C compiler, or off
// Linux, nothing is built and shell tasks start from the Node.js spawner, only slower. A
// compiler that is there but fails stops the build: a silent fallback would hide a broken build.
import { spawnSync } from 'node:child_process';
import { mkdirSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const output = join(root, 'dist', 'native', 'drover-spawner');
const compiler = process.env.CC || 'cc';

if (process.platform !== 'linux') {
  console.log(`native spawner not built on ${process.platform}: shell tasks start from the Node.js spawner`);
  process.exit(0);
}
const probe = spawnSync(compiler, ['--version'], { stdio: 'ignore' });
if (probe.error || probe.status !== 0) {
  rmSync(output, { force: true });
  console.log(`native spawner not built: no C compiler (${compiler}); shell tasks start from the Node.js spawner`);
  process.exit(0);
}
mkdirSync(dirname(output), { recursive: true });
// Built beside its final name and renamed: a running worker keeps the binary it started.
const partial = `${output}.${process.pid}`;
const built = spawnSync(compiler, ['-O2', '-Wall', '-Wextra', '-o', partial, join(root, 'native', 'spawner.c')], { stdio: 'inherit' });
if (built.status !== 0) {
  rmSync(partial, { force: true });
  console.error(`native spawner: ${compiler} failed (status ${built.status ?? built.signal})`);
  process.exit(1);
}
renameSync(partial, output);
