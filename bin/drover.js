#!/usr/bin/env node
// Entry point for the `drover` command. Builds the TypeScript sources first when
// running from a checkout that has not been built yet, then hands over to the CLI.
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const entry = join(root, 'dist', 'cli', 'main.js');
if (!existsSync(entry)) {
  const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  const built = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
  if (built.status !== 0) {
    console.error('drover: could not build the sources (npm ci first?)');
    process.exit(1);
  }
}
const { main } = await import(entry);
await main(process.argv);
